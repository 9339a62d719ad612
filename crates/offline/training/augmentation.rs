//! Text augmentation for bi-encoder training pairs, each deterministic given its `Rng`:
//! EDA's word operations (Wei & Zou 2019, "EDA: Easy Data Augmentation", without the
//! synonym operations, which need a thesaurus), masking of known skill mentions (so the
//! model cannot match on a skill name alone and must read the context), and dropping a
//! whole resume section (so it learns to match resumes that lack one).
//!
//! The word operations split on whitespace and join with single spaces: line structure
//! is lost, so drop sections first.

use resonance_engine::rng::Rng;
use resonance_engine::error::{EngineError, Result};

/// EDA's recommended share of words changed per operation (Wei & Zou 2019, section 3: alpha
/// 0.1 helped at every training-set size they tried).
pub const EDA_ALPHA: f64 = 0.1;

/// The sections of the project's resumes worth dropping (see shared/eval/README.md:
/// a summary, "Experience:" and "Skills:").
pub const DROPPABLE_SECTIONS: [&str; 2] = ["Experience:", "Skills:"];

/// Replacement for a masked skill: BERT's own mask token, which its vocabulary knows.
pub const SKILL_MASK: &str = "[MASK]";

/// Deletes each word with probability `p`, keeping at least one.
pub fn random_deletion(text: &str, p: f64, rng: &mut Rng) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= 1 {
        return words.join(" ");
    }
    let kept: Vec<&str> = words.iter().copied().filter(|_| !rng.chance(p)).collect();
    if kept.is_empty() {
        return words[rng.below(words.len())].to_string();
    }
    kept.join(" ")
}

/// Swaps two randomly chosen words, `swaps` times.
pub fn random_swap(text: &str, swaps: usize, rng: &mut Rng) -> String {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    if words.len() >= 2 {
        for _ in 0..swaps {
            let (i, j) = (rng.below(words.len()), rng.below(words.len()));
            words.swap(i, j);
        }
    }
    words.join(" ")
}

/// Inserts a copy of a random word of the text at a random position, `insertions` times
/// (EDA inserts a synonym; a word of the text itself needs no thesaurus and adds no
/// vocabulary the text did not have).
pub fn random_insertion(text: &str, insertions: usize, rng: &mut Rng) -> String {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    if !words.is_empty() {
        for _ in 0..insertions {
            let word = words[rng.below(words.len())];
            words.insert(rng.below(words.len() + 1), word);
        }
    }
    words.join(" ")
}

/// One EDA operation chosen at random, changing about `alpha` of the words (at least one).
pub fn eda(text: &str, alpha: f64, rng: &mut Rng) -> String {
    let changes = ((text.split_whitespace().count() as f64 * alpha).round() as usize).max(1);
    match rng.below(3) {
        0 => random_deletion(text, alpha, rng),
        1 => random_swap(text, changes, rng),
        _ => random_insertion(text, changes, rng),
    }
}

/// Replaces each skill mention, given as byte ranges `start..end` of `text` (the
/// extractor's offsets), by `mask` with probability `p`. Spans must lie on character
/// boundaries and not overlap.
pub fn mask_skills(text: &str, spans: &[(usize, usize)], p: f64, mask: &str, rng: &mut Rng) -> Result<String> {
    let mut sorted = spans.to_vec();
    sorted.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut copied_to = 0;
    let mut previous_end = 0;
    for &(start, end) in &sorted {
        if start >= end || end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(EngineError::InvalidInput(format!(
                "skill span {start}..{end} is not a character range of a {}-byte text",
                text.len()
            )));
        }
        if start < previous_end {
            return Err(EngineError::InvalidInput(format!("skill span {start}..{end} overlaps the previous one")));
        }
        previous_end = end;
        if rng.chance(p) {
            out.push_str(&text[copied_to..start]);
            out.push_str(mask);
            copied_to = end;
        }
    }
    out.push_str(&text[copied_to..]);
    Ok(out)
}

/// Drops one section, chosen at random among those present whose header is one of
/// `droppable` (e.g. [`DROPPABLE_SECTIONS`]; compared case-insensitively). A section runs
/// from its header line to the next header line of any name. The text comes back
/// unchanged when no droppable section is present or nothing else would remain.
pub fn drop_section(text: &str, droppable: &[&str], rng: &mut Rng) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let headers: Vec<usize> = (0..lines.len()).filter(|&i| section_label(lines[i]).is_some()).collect();
    let candidates: Vec<(usize, usize)> = headers
        .iter()
        .enumerate()
        .filter(|(_, &line)| {
            let label = section_label(lines[line]).unwrap_or_default();
            droppable.iter().any(|d| d.trim_end_matches(':').eq_ignore_ascii_case(label))
        })
        .map(|(k, &line)| (line, headers.get(k + 1).copied().unwrap_or(lines.len())))
        .collect();
    if candidates.is_empty() {
        return text.to_string();
    }
    let (first, end) = candidates[rng.below(candidates.len())];
    let kept: String = lines[..first].iter().chain(&lines[end..]).copied().collect();
    if kept.trim().is_empty() {
        return text.to_string();
    }
    kept
}

/// The label of a section header line ("Skills: a; b" -> "Skills"): a capitalised name
/// of at most three words before a colon at the start of the line.
fn section_label(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let label = &line[..line.find(':')?];
    let starts_capitalised = label.chars().next().is_some_and(char::is_uppercase);
    let plain_words = label.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '&' || c == '/');
    let words = label.split_whitespace().count();
    (starts_capitalised && plain_words && (1..=3).contains(&words)).then_some(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESUME: &str = "Reliable professional with 5 years of experience.\n\nExperience:\n- Built data pipelines in Python.\n- Ran SQL reports.\n\nSkills: Python; SQL; Airflow\n";

    fn sorted_words(text: &str) -> Vec<&str> {
        let mut w: Vec<&str> = text.split_whitespace().collect();
        w.sort();
        w
    }

    #[test]
    fn operations_repeat_for_a_seed_and_vary_across_seeds() {
        let text = "one two three four five six seven eight nine ten";
        for op in [
            |t: &str, r: &mut Rng| random_deletion(t, 0.3, r),
            |t: &str, r: &mut Rng| random_swap(t, 2, r),
            |t: &str, r: &mut Rng| random_insertion(t, 2, r),
            |t: &str, r: &mut Rng| eda(t, EDA_ALPHA, r),
        ] {
            assert_eq!(op(text, &mut Rng::new(1)), op(text, &mut Rng::new(1)));
            let outputs: std::collections::HashSet<String> = (0..8).map(|s| op(text, &mut Rng::new(s))).collect();
            assert!(outputs.len() > 1, "seeds made no difference");
        }
    }

    #[test]
    fn deletion_bounds() {
        let text = "a b c d e";
        assert_eq!(random_deletion(text, 0.0, &mut Rng::new(1)), text);
        let all_gone = random_deletion(text, 1.0, &mut Rng::new(1));
        assert_eq!(all_gone.split_whitespace().count(), 1, "keeps one word");
        assert!(text.contains(&all_gone));
        assert_eq!(random_deletion("", 0.5, &mut Rng::new(1)), "");
    }

    #[test]
    fn swap_keeps_the_words() {
        let text = "alpha beta gamma delta";
        let swapped = random_swap(text, 3, &mut Rng::new(4));
        assert_eq!(sorted_words(&swapped), sorted_words(text));
        assert_eq!(random_swap("solo", 3, &mut Rng::new(4)), "solo");
    }

    #[test]
    fn insertion_adds_only_words_of_the_text() {
        let text = "kubernetes terraform aws";
        let grown = random_insertion(text, 2, &mut Rng::new(9));
        assert_eq!(grown.split_whitespace().count(), 5);
        assert!(grown.split_whitespace().all(|w| text.contains(w)));
        assert_eq!(random_insertion("", 2, &mut Rng::new(9)), "");
    }

    #[test]
    fn masking_replaces_the_given_spans() {
        let text = "Python and SQL daily";
        let spans = [(11, 14), (0, 6)]; // "SQL", "Python", out of order on purpose
        assert_eq!(mask_skills(text, &spans, 1.0, SKILL_MASK, &mut Rng::new(1)).unwrap(), "[MASK] and [MASK] daily");
        assert_eq!(mask_skills(text, &spans, 0.0, SKILL_MASK, &mut Rng::new(1)).unwrap(), text);
    }

    #[test]
    fn masking_rejects_bad_spans() {
        let text = "café au lait";
        let mut rng = Rng::new(1);
        assert!(mask_skills(text, &[(0, 40)], 1.0, "", &mut rng).is_err(), "past the end");
        assert!(mask_skills(text, &[(0, 4)], 1.0, "", &mut rng).is_err(), "inside the é");
        assert!(mask_skills(text, &[(3, 3)], 1.0, "", &mut rng).is_err(), "empty");
        assert!(mask_skills(text, &[(0, 5), (2, 7)], 1.0, "", &mut rng).is_err(), "overlapping");
        assert!(mask_skills(text, &[(0, 5), (2, 7)], 0.0, "", &mut rng).is_err(), "overlapping, even unmasked");
    }

    #[test]
    fn section_dropout_removes_exactly_one_known_section() {
        let mut seen = std::collections::HashSet::new();
        for seed in 0..16 {
            let out = drop_section(RESUME, &DROPPABLE_SECTIONS, &mut Rng::new(seed));
            assert!(out.starts_with("Reliable professional"), "the summary stays");
            let has_experience = out.contains("Experience:") && out.contains("Ran SQL reports.");
            let has_skills = out.contains("Skills: Python; SQL; Airflow");
            assert!(has_experience != has_skills, "exactly one section dropped: {out:?}");
            assert!(!out.contains("Built data pipelines") || has_experience, "a section goes whole");
            seen.insert(has_skills);
        }
        assert_eq!(seen.len(), 2, "both sections get dropped for some seed");
    }

    #[test]
    fn section_dropout_leaves_other_texts_alone() {
        let plain = "No sections here, just a summary: with a colon.";
        assert_eq!(drop_section(plain, &DROPPABLE_SECTIONS, &mut Rng::new(1)), plain);
        let only = "Skills: Python";
        assert_eq!(drop_section(only, &DROPPABLE_SECTIONS, &mut Rng::new(1)), only, "would leave nothing");
        let other = "Summary\nEducation: BSc\nSkills: SQL\n";
        assert_eq!(drop_section(other, &["Experience:"], &mut Rng::new(1)), other);
        assert_eq!(drop_section(other, &["skills:"], &mut Rng::new(1)), "Summary\nEducation: BSc\n");
    }

    #[test]
    fn header_detection() {
        assert_eq!(section_label("Key activities: a, b"), Some("Key activities"));
        assert_eq!(section_label("  Experience:\n"), Some("Experience"));
        assert_eq!(section_label("- Used tools: hammers"), None);
        assert_eq!(section_label("note: lower case"), None);
        assert_eq!(section_label("Worked at three different companies: A, B"), None);
    }
}
