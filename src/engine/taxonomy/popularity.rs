//! `kg_skills.popularity_score`: how much demand the sources show for a skill, as the
//! number of job documents that mention or require it, on a log scale in [0, 1]:
//!
//!   popularity = ln(1 + n) / ln(1 + max n),
//!
//! where n counts the ESCO occupation definitions and O*NET task statements that mention
//! the skill's name or an alias (whole words, case-insensitive), plus the titles that list
//! it in kg_title_skills. The log keeps "manage staff" (hundreds of mentions) from
//! flattening everything else to zero. A skill's own definition never counts: skill
//! definitions are not among the documents.

use aho_corasick::{AhoCorasick, MatchKind};

use super::records::Skill;
use crate::engine::error::{EngineError, Result};

/// Names shorter than this are not searched for: "R", "Go", "JS" would match noise.
const MIN_PATTERN_CHARS: usize = 4;

/// Number of `documents` mentioning each skill (by name or alias), by skill index.
pub fn mention_counts(skills: &[Skill], documents: &[String]) -> Result<Vec<u32>> {
    let mut patterns: Vec<String> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
    for (i, skill) in skills.iter().enumerate() {
        for name in std::iter::once(&skill.name).chain(&skill.aliases) {
            if name.chars().count() >= MIN_PATTERN_CHARS {
                patterns.push(name.to_lowercase());
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
    use crate::engine::taxonomy::records::SkillCategory;

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
        let skills = vec![skill("PostgreSQL", &["Postgres"]), skill("Java", &[]), skill("Go", &["Golang"])];
        let docs = vec![
            "Maintain Postgres and PostgreSQL databases.".to_string(),
            "Write JavaScript.".to_string(),
            "Write Java and Golang services.".to_string(),
        ];
        let counts = mention_counts(&skills, &docs).unwrap();
        assert_eq!(counts, vec![1, 1, 1], "one per document; 'JavaScript' is not 'Java'; 'Go' itself too short");
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
