//! A short text describing what an occupation does, for comparing a resume with an inferred
//! occupation: an O*NET occupation's title and its Detailed Work Activities (most frequent
//! across its tasks first), an ESCO ICT occupation's label and essential skills.
//! Other ESCO occupations have no profile in the sources (no skill lists) and get none.

use std::collections::HashMap;

use crate::taxonomy::build::Sources;
use crate::taxonomy::onet::OnetData;

/// Activities or skills named per profile: about 200 tokens, inside the bi-encoder's 256.
const PROFILE_ITEMS: usize = 20;

/// Profile text by occupation key (O*NET-SOC code or ESCO URI).
pub fn profile_texts(sources: &Sources) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for o in sources.onet.occupations.values() {
        let mut dwas: Vec<(&str, f32)> = OnetData::dwa_importance(o).into_iter().collect();
        dwas.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let titles = dwas.iter().filter_map(|(id, _)| sources.onet.dwas.get(*id)).map(|d| d.title.as_str());
        out.insert(o.code.clone(), profile(&o.title, titles));
    }
    for o in &sources.ict_occupations {
        out.insert(o.uri.clone(), profile(&o.label, o.skill_labels.iter().map(String::as_str)));
    }
    out
}

/// "Name: item, item, ..." with at most [`PROFILE_ITEMS`] items.
fn profile<'a>(name: &str, items: impl Iterator<Item = &'a str>) -> String {
    format!("{name}: {}", items.take(PROFILE_ITEMS).collect::<Vec<_>>().join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_the_occupation_then_its_items() {
        let items = ["a", "b", "c"];
        assert_eq!(profile("Cooks", items.iter().copied()), "Cooks: a, b, c");
        let many: Vec<String> = (0..30).map(|i| i.to_string()).collect();
        assert_eq!(profile("X", many.iter().map(String::as_str)).matches(", ").count(), PROFILE_ITEMS - 1);
    }
}
