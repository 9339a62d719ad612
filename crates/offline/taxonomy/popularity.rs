//! `kg_skills.popularity_score`: how much demand the sources show for a skill, as the
//! number of job documents that mention or require it, on a log scale in [0, 1]:
//!
//!   popularity = ln(1 + n) / ln(1 + max n),
//!
//! where n counts the ESCO occupation definitions and O*NET task statements that mention
//! the skill (whole words, case-insensitive), plus the titles that list it in
//! kg_title_skills. A skill is searched for by its name, its name without an ESCO
//! qualifier ("Python (computer programming)" -> "Python"), and its aliases when they come
//! from a clean list (technology and ICT skills); the aliases recovered by splitting
//! ESCO's run-together texts are not used, since one mis-cut fragment ("set up") would
//! match thousands of texts. The log keeps "manage staff" (hundreds of mentions) from
//! flattening everything else to zero. A skill's own definition never counts: skill
//! definitions are not among the documents. One-word names that are ordinary English
//! words ("materials", "food", "business": ESCO knowledge areas) are not searched for:
//! every occupation text uses them, as words, not as skills.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, MatchKind};

use super::records::{Skill, SkillCategory};
use resonance_engine::error::{EngineError, Result};

/// Names shorter than this are not searched for: "R", "Go", "JS" would match noise. Three-
/// letter acronyms written in capitals ("SQL", "PHP", "AWS") are the exception.
const MIN_PATTERN_CHARS: usize = 4;

/// Long enough to be searched for (see `MIN_PATTERN_CHARS`).
fn searchable(name: &str) -> bool {
    let chars = name.chars().count();
    chars >= MIN_PATTERN_CHARS || (chars == 3 && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
}

/// Number of `documents` mentioning each skill (by name or alias), by skill index. Names
/// that are one word of `common_words` (lowercase) are not searched for.
pub fn mention_counts(skills: &[Skill], documents: &[String], common_words: &HashSet<String>) -> Result<Vec<u32>> {
    let mut patterns: Vec<String> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
    for (i, skill) in skills.iter().enumerate() {
        let unqualified = skill.name.strip_suffix(')').and_then(|n| n.rsplit_once(" (")).map(|(n, _)| n.to_string());
        let clean_aliases = matches!(skill.category, SkillCategory::Technology | SkillCategory::Ict);
        let aliases = skill.aliases.iter().filter(|_| clean_aliases).cloned();
        for name in std::iter::once(skill.name.clone()).chain(unqualified).chain(aliases) {
            let lower = name.to_lowercase();
            if searchable(&name) && !common_words.contains(&lower) {
                patterns.push(lower);
                owner.push(i);
            }
        }
    }
    let matcher = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&patterns)
        .map_err(|e| EngineError::InvalidInput(format!("cannot build the mention matcher: {e}")))?;
    let mut counts = vec![0u32; skills.len()];
    let mut seen = vec![usize::MAX; skills.len()];
    for (d, doc) in documents.iter().enumerate() {
        let text = doc.to_lowercase();
        for m in matcher.find_overlapping_iter(&text) {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric) {
                continue;
            }
            let skill = owner[m.pattern().as_usize()];
            if seen[skill] != d {
                seen[skill] = d;
                counts[skill] += 1;
            }
        }
    }
    Ok(counts)
}

/// ln(1 + n) / ln(1 + max n) for each count (all zero when every count is zero).
pub fn log_scaled(counts: &[u32]) -> Vec<f32> {
    let max = counts.iter().copied().max().unwrap_or(0);
    if max == 0 {
        return vec![0.0; counts.len()];
    }
    let denominator = (max as f64).ln_1p();
    counts.iter().map(|&n| ((n as f64).ln_1p() / denominator) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::records::SkillCategory;

    fn skill(name: &str, aliases: &[&str]) -> Skill {
        Skill {
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            category: SkillCategory::Technology,
            description: None,
            source: "curated".into(),
            source_key: None,
            popularity_score: 0.0,
        }
    }

    #[test]
    fn counts_documents_by_whole_word_name_or_alias() {
        let mut split = skill("maintain records", &["set up"]);
        split.category = SkillCategory::Occupational;
        let skills = vec![
            skill("PostgreSQL", &["Postgres"]),
            skill("Java (computer programming)", &[]),
            skill("Go", &["Golang"]),
            split,
        ];
        let docs = vec![
            "Maintain Postgres and PostgreSQL databases.".to_string(),
            "Write JavaScript.".to_string(),
            "Write Java and Golang services.".to_string(),
            "Set up the rig.".to_string(),
        ];
        assert!(searchable("SQL") && !searchable("sql") && !searchable("JS"));
        let counts = mention_counts(&skills, &docs, &HashSet::new()).unwrap();
        assert_eq!(counts, vec![1, 1, 1, 0], "one per document; 'JavaScript' is not 'Java'; 'Go' too short; split alias unused");
        let common: HashSet<String> = ["java".to_string()].into();
        let counts = mention_counts(&skills, &docs, &common).unwrap();
        assert_eq!(counts[1], 0, "an ordinary word is not searched for");
    }

    #[test]
    fn log_scale_is_bounded() {
        let scaled = log_scaled(&[0, 1, 99]);
        assert_eq!(scaled[0], 0.0);
        assert!((scaled[2] - 1.0).abs() < 1e-6);
        assert!(scaled[1] > 0.0 && scaled[1] < 0.2);
        assert_eq!(log_scaled(&[0, 0]), vec![0.0, 0.0]);
        assert!(log_scaled(&[]).is_empty());
    }
}
