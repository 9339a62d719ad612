//! REQUIRES edges: one skill specialises another, so knowing it implies the other
//! ("Django" REQUIRES "Python"). Three rules, each read off the data:
//!
//! 1. ESCO qualifiers. ESCO disambiguates tool names with their kind in parentheses,
//!    "Swift (computer programming)", "Jenkins (tools for software configuration
//!    management)"; when the qualifier is itself a skill, the tool requires it.
//! 2. Name containment. A technology or ICT name that contains another one as whole words
//!    specialises it: "react native" -> "React", "azure kubernetes service" ->
//!    "Kubernetes" and "Microsoft Azure" (via its alias "Azure"). Only the longest
//!    contained names count ("spring boot security" -> "spring boot", not also "spring").
//!    Contained names are matched by skill name, or by an alias that a technology name
//!    list vouches for (curated aliases, skill-extractor names): ESCO's alternative labels
//!    include ambiguous acronyms ("ICT" for in-circuit test) that would tie every
//!    "... ICT ..." skill to printed circuit boards.
//! 3. Enumerations. skill-extractor's compound entries qualify a name by examples:
//!    "python (flask, django)", "cloud platforms (aws, azure, gcp)". With two or more
//!    examples the parenthesis is an e.g.-list, so each example specialises the head
//!    ("Django" REQUIRES "Python"). A single item is left alone: it is as often a gloss
//!    ("aws eks (kubernetes)") or an abbreviation as an example. Weight n / (n + 1) for
//!    n such entries: one 0.5, two 0.67, three 0.75.

use std::collections::{BTreeMap, HashSet};

use super::records::{Skill, SkillCategory};
use super::skill_set::SkillSet;
use super::tech_names::Compound;
use resonance_engine::normalize::{is_function_word, name_key};

/// Examples an enumeration needs before its items count as kinds of its head.
const MIN_ENUMERATED_ITEMS: usize = 2;

/// Longest name (in words) searched for contained names; longer names are descriptions.
const MAX_CONTAINING_WORDS: usize = 5;

/// One REQUIRES edge between skill indices of a `SkillSet`.
#[derive(Debug, Clone, PartialEq)]
pub struct RequiresEdge {
    pub specific: usize,
    pub general: usize,
    pub weight: f32,
    /// `esco_qualifier`, `name_containment` or `enumeration` (`esco_umbrella` from the build).
    pub rule: &'static str,
}

/// Skills whose names are technology names: containment is only read between these.
fn is_technical(skill: &Skill) -> bool {
    matches!(skill.category, SkillCategory::Technology | SkillCategory::Ict)
}

/// Rule 1: "name (qualifier)" ESCO labels whose qualifier is a skill.
pub fn qualifier_requires(skills: &SkillSet) -> Vec<RequiresEdge> {
    let mut out = Vec::new();
    for (i, skill) in skills.skills().iter().enumerate() {
        if skill.source != "esco" {
            continue;
        }
        let Some((_, qualifier)) = skill.name.strip_suffix(')').and_then(|n| n.rsplit_once(" (")) else { continue };
        if let Some(j) = skills.find(qualifier).filter(|&j| j != i) {
            out.push(RequiresEdge { specific: i, general: j, weight: 1.0, rule: "esco_qualifier" });
        }
    }
    out
}

/// Words of a name for containment: lowercase, split on spaces.
fn name_words(name: &str) -> Vec<String> {
    name_key(name).split(' ').map(str::to_string).collect()
}

/// Rule 2: technical names containing other technical names, or aliases in `trusted_aliases`
/// (name keys).
pub fn containment_requires(skills: &SkillSet, trusted_aliases: &HashSet<String>) -> Vec<RequiresEdge> {
    let mut out = Vec::new();
    for (i, skill) in skills.skills().iter().enumerate().filter(|(_, s)| is_technical(s)) {
        let words = name_words(&skill.name);
        if words.len() < 2 || words.len() > MAX_CONTAINING_WORDS {
            continue;
        }
        // Spans (start, end, skill) of contained technical names, longest first.
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for len in (1..words.len()).rev() {
            for start in 0..=words.len() - len {
                let span = &words[start..start + len];
                if len == 1 && (is_function_word(&span[0]) || span[0].len() < 2) {
                    continue;
                }
                let key = span.join(" ");
                let by_name = skills.find_by_name(&key);
                let by_alias = || skills.find(&key).filter(|_| trusted_aliases.contains(&key));
                let Some(j) = by_name.or_else(by_alias) else { continue };
                let inside_longer = found.iter().any(|&(s, e, _)| s <= start && start + len <= e);
                if j != i && is_technical(skills.get(j)) && !inside_longer {
                    found.push((start, start + len, j));
                }
            }
        }
        let targets: HashSet<usize> = found.iter().map(|&(_, _, j)| j).collect();
        out.extend(targets.into_iter().map(|j| RequiresEdge { specific: i, general: j, weight: 1.0, rule: "name_containment" }));
    }
    out.sort_by_key(|e| (e.specific, e.general));
    out
}

/// Rule 3: each example of an enumeration "head (a, b, ...)" requires the head.
pub fn enumeration_requires(compounds: &[Compound], skills: &SkillSet) -> Vec<RequiresEdge> {
    let mut mentions: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    for compound in compounds.iter().filter(|c| c.items.len() >= MIN_ENUMERATED_ITEMS) {
        let Some(head) = compound.head.as_deref().and_then(|h| skills.find(h)) else { continue };
        let items: HashSet<usize> = compound.items.iter().filter_map(|i| skills.find(i)).filter(|&i| i != head).collect();
        for item in items {
            *mentions.entry((item, head)).or_insert(0) += 1;
        }
    }
    mentions
        .into_iter()
        .map(|((specific, general), n)| RequiresEdge { specific, general, weight: n as f32 / (n as f32 + 1.0), rule: "enumeration" })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::tech_names::compound;

    fn skill(name: &str, aliases: &[&str], category: SkillCategory, source: &str) -> Skill {
        Skill {
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            category,
            description: None,
            source: source.into(),
            source_key: None,
            popularity_score: 0.0,
        }
    }

    fn set() -> SkillSet {
        let mut s = SkillSet::default();
        let t = SkillCategory::Technology;
        for (name, aliases) in [
            ("Python", &[][..]),
            ("Django", &[]),
            ("Flask", &[]),
            ("React", &["React.js"]),
            ("react native", &[]),
            ("Microsoft Azure", &["Azure"]),
            ("Kubernetes", &["k8s"]),
            ("azure kubernetes service", &[]),
            ("spring boot", &[]),
            ("spring boot security", &[]),
        ] {
            s.insert(skill(name, aliases, t, "curated"), true);
        }
        s.insert(skill("computer programming", &[], SkillCategory::Ict, "esco"), false);
        s.insert(skill("Swift (computer programming)", &[], SkillCategory::Ict, "esco"), false);
        s.insert(skill("manage staff", &[], SkillCategory::Occupational, "esco"), false);
        s.insert(skill("manage staff rotas", &[], SkillCategory::Occupational, "esco"), false);
        s
    }

    fn pairs(set: &SkillSet, edges: &[RequiresEdge]) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> =
            edges.iter().map(|e| (set.get(e.specific).name.clone(), set.get(e.general).name.clone())).collect();
        v.sort();
        v
    }

    #[test]
    fn qualifier_rule() {
        let s = set();
        assert_eq!(pairs(&s, &qualifier_requires(&s)), vec![("Swift (computer programming)".into(), "computer programming".into())]);
    }

    #[test]
    fn containment_rule_keeps_longest_technical_spans() {
        let s = set();
        let trusted: HashSet<String> = ["azure".to_string()].into();
        let got = pairs(&s, &containment_requires(&s, &trusted));
        assert!(got.contains(&("react native".into(), "React".into())));
        assert!(got.contains(&("azure kubernetes service".into(), "Kubernetes".into())));
        assert!(got.contains(&("azure kubernetes service".into(), "Microsoft Azure".into())));
        assert!(got.contains(&("spring boot security".into(), "spring boot".into())));
        assert!(!got.iter().any(|(a, _)| a == "manage staff rotas"), "occupational names are not read: {got:?}");
        let untrusted = pairs(&s, &containment_requires(&s, &HashSet::new()));
        assert!(!untrusted.contains(&("azure kubernetes service".into(), "Microsoft Azure".into())), "alias not vouched for");
    }

    #[test]
    fn enumeration_rule_needs_two_examples() {
        let s = set();
        let compounds: Vec<Compound> =
            ["python (flask, django)", "django (python)", "flask/django", "python (django, flask, numpy)"].iter().filter_map(|e| compound(e)).collect();
        let edges = enumeration_requires(&compounds, &s);
        let got = pairs(&s, &edges);
        assert_eq!(got, vec![("Django".into(), "Python".into()), ("Flask".into(), "Python".into())], "single item and bare list ignored");
        assert!(edges.iter().all(|e| (e.weight - 2.0 / 3.0).abs() < 1e-6), "two enumerations each");
        assert!(enumeration_requires(&[], &s).is_empty());
    }
}
