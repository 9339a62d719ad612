//! Skill names that are also ordinary words or letters ("Go", "R", "Swift", "Excel", "Spring"):
//! when a match on one of them counts as the skill.
//!
//! A match on an ambiguous form is kept only if both hold:
//!
//! 1. Casing: the text writes it exactly as the taxonomy declares one of that skill's forms
//!    ("Go", "R"; not "go", "r"). When the taxonomy declares only lowercase forms (it gave no
//!    casing to go by), the text must start it with a capital letter instead.
//! 2. Context, either of:
//!    * a cue phrase ("skills", "languages:", "experience with", "proficient in", "using", ...)
//!      ends at most `CUE_WINDOW_BYTES` before it, with no sentence end ('.', '!' or '?' then a
//!      space) in between: "Languages: Go", "experience with Swift and Kotlin";
//!    * it sits in a list next to a kept skill: only separators (whitespace , ; / | & + : ( ) [ ]
//!      • · and dashes) and the words "and" / "or" lie between them: "Python, Go", "R and SQL".
//!      Kept ambiguous matches count too, so "Python, Go, R" keeps both once Python anchors Go.
//!
//! "I love to go hiking" (lowercase), "Go to market" (no context), "Excel at teamwork" and
//! "Spring 2020" (no context) are dropped.
//!
//! Forms of one character or without a letter ("4", "2019", "x") are never matched unless they
//! are ambiguous forms, which then need the rule above ("C", "R"): a number in text is a count
//! or a year ("4 years" is not Unity 4), and a lone letter is an initial or a list marker.

use super::boundary::is_word_char;
use super::fold::fold_name;
use std::collections::HashSet;

/// How far back (bytes of folded text) a cue still governs a skill: about 10 words, the length
/// of one resume line "Languages: Python, TypeScript, Go". Longer lists are covered by the
/// list rule, which chains from skill to skill.
const CUE_WINDOW_BYTES: usize = 64;

/// Default ambiguous forms: one-letter language names (also initials, grades, vitamins) and
/// product names that are common English words. Compared case-insensitively.
#[rustfmt::skip]
pub const DEFAULT_AMBIGUOUS_FORMS: &[&str] = &[
    "c", "d", "j", "k", "q", "r", "s", "v", "go", "io", "ada", "ant", "pig", "elm", "red", "dart",
    "rust", "ruby", "julia", "swift", "crystal", "pascal", "scheme", "racket", "logo",
    "processing", "basic", "shell", "make", "less", "rest", "soap", "lean", "spring", "excel",
    "access", "word", "outlook", "project", "teams", "office", "express", "flask", "spark",
    "hive", "storm", "beam", "presto", "chef", "puppet", "salt", "react", "ember", "meteor",
    "unity", "sketch", "pandas", "flutter",
];

/// Default cue phrases: section headings and verbs that introduce tools. Compared
/// case-insensitively, on word boundaries.
#[rustfmt::skip]
pub const DEFAULT_CUES: &[&str] = &[
    "skills", "skill set", "skillset", "competencies", "languages", "technologies", "tech stack",
    "stack", "tools", "tooling", "frameworks", "libraries", "platforms", "software",
    "experience with", "experience in", "experienced with", "experienced in", "proficient in",
    "proficient with", "proficiency in", "knowledge of", "familiar with", "familiarity with",
    "expertise in", "expert in", "skilled in", "written in", "programming in", "developed in",
    "developing in", "coding in", "built with", "built in", "using",
];

/// Which forms are ambiguous and which phrases announce skills; the caller may pass its own.
#[derive(Clone, Debug)]
pub struct AmbiguityRules {
    /// Forms (any case) that need the casing and context rule.
    pub forms: Vec<String>,
    /// Phrases (any case) that announce skills when shortly before an ambiguous form.
    pub cues: Vec<String>,
}

impl Default for AmbiguityRules {
    /// The built-in lists above.
    fn default() -> Self {
        AmbiguityRules {
            forms: DEFAULT_AMBIGUOUS_FORMS.iter().map(|s| s.to_string()).collect(),
            cues: DEFAULT_CUES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl AmbiguityRules {
    /// No ambiguous forms: every token match counts.
    pub fn none() -> Self {
        AmbiguityRules { forms: Vec::new(), cues: Vec::new() }
    }

    /// Whether a folded taxonomy form may be matched at all: an ambiguous form may (in context),
    /// any other needs two characters and a letter ("C++", "C#" and "S3" may; "4", "x" may not).
    pub(crate) fn matchable(compiled: &CompiledRules, folded: &str) -> bool {
        compiled.forms.contains(folded) || (folded.chars().count() >= 2 && folded.chars().any(char::is_alphabetic))
    }

    /// The rules folded for matching against folded text.
    pub(crate) fn compile(&self) -> CompiledRules {
        let forms = self.forms.iter().map(|f| fold_name(f)).filter(|f| !f.is_empty()).collect();
        let cues = self.cues.iter().map(|c| fold_name(c)).filter(|c| !c.is_empty()).collect();
        CompiledRules { forms, cues }
    }
}

/// `AmbiguityRules` in folded form.
pub(crate) struct CompiledRules {
    pub forms: HashSet<String>,
    pub cues: Vec<String>,
}

/// A selected match as the context rule sees it.
pub(crate) struct Span {
    /// Folded byte range.
    pub start: usize,
    pub end: usize,
    /// Its form is ambiguous.
    pub ambiguous: bool,
    /// Its surface passes the casing rule (meaningful only when ambiguous).
    pub cased: bool,
}

/// Whether the text writes an ambiguous form with the casing the rule asks for.
pub(crate) fn is_cased(surface: &str, declared: &[String]) -> bool {
    let same_words = |d: &String| surface.split_whitespace().eq(d.split_whitespace());
    if declared.iter().any(|d| d.chars().any(char::is_uppercase)) {
        declared.iter().any(same_words)
    } else {
        surface.chars().next().is_some_and(char::is_uppercase)
    }
}

/// Which of `spans` (sorted, non-overlapping, in `folded`) to keep under the context rule.
pub(crate) fn keep_in_context(folded: &str, spans: &[Span], cues: &[String]) -> Vec<bool> {
    let mut keep: Vec<bool> =
        spans.iter().map(|s| !s.ambiguous || (s.cased && follows_cue(folded, s.start, cues))).collect();
    // Spread along lists: a sweep to the right lets each kept span vouch for the next, a sweep
    // to the left for the one before. A span kept by the left sweep has a kept right neighbour
    // already, so the two sweeps reach every span a chain of list gaps connects to an anchor.
    let in_list = |a: &Span, b: &Span| is_list_gap(&folded[a.end..b.start]);
    for i in 1..spans.len() {
        if !keep[i] && spans[i].cased && keep[i - 1] && in_list(&spans[i - 1], &spans[i]) {
            keep[i] = true;
        }
    }
    for i in (0..spans.len().saturating_sub(1)).rev() {
        if !keep[i] && spans[i].cased && keep[i + 1] && in_list(&spans[i], &spans[i + 1]) {
            keep[i] = true;
        }
    }
    keep
}

/// Whether some cue ends within `CUE_WINDOW_BYTES` before `start`, in the same sentence.
fn follows_cue(folded: &str, start: usize, cues: &[String]) -> bool {
    let mut from = start.saturating_sub(CUE_WINDOW_BYTES);
    while !folded.is_char_boundary(from) {
        from += 1;
    }
    let sentence = last_sentence(&folded[from..start]);
    cues.iter().any(|cue| contains_word(sentence, cue))
}

/// The part of `text` after its last sentence end ('.', '!' or '?' followed by a space).
fn last_sentence(text: &str) -> &str {
    let bytes = text.as_bytes();
    let end = (1..bytes.len()).rev().find(|&i| bytes[i] == b' ' && matches!(bytes[i - 1], b'.' | b'!' | b'?'));
    end.map_or(text, |i| &text[i + 1..])
}

/// Whether `phrase` occurs in `text` with no word character glued to either end.
fn contains_word(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before_ok = text[..at].chars().next_back().is_none_or(|c| !is_word_char(c));
        let after_ok = text[at + phrase.len()..].chars().next().is_none_or(|c| !is_word_char(c));
        before_ok && after_ok
    })
}

/// Whether `gap` (folded text between two matches) holds only list separators and "and"/"or".
fn is_list_gap(gap: &str) -> bool {
    let is_separator = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | '/' | '|' | '&' | '+' | ':' | '(' | ')' | '[' | ']' | '•' | '·' | '-' | '–' | '—'
            )
    };
    gap.split(is_separator).all(|word| word.is_empty() || word == "and" || word == "or")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spans at the given folded ranges, ambiguous and cased as flagged.
    fn spans(list: &[(usize, usize, bool, bool)]) -> Vec<Span> {
        list.iter().map(|&(start, end, ambiguous, cased)| Span { start, end, ambiguous, cased }).collect()
    }

    #[test]
    fn casing_follows_declared_forms() {
        let declared = vec!["Go".to_string()];
        assert!(is_cased("Go", &declared));
        assert!(!is_cased("go", &declared));
        assert!(!is_cased("GO", &declared));
        let lowercase_taxonomy = vec!["spring".to_string()];
        assert!(is_cased("Spring", &lowercase_taxonomy));
        assert!(!is_cased("spring", &lowercase_taxonomy));
        assert!(!is_cased("", &declared));
    }

    #[test]
    fn digits_and_single_characters_need_an_ambiguity_entry() {
        let rules = AmbiguityRules::default().compile();
        for form in ["4", "2019", "1.5", "x", "+"] {
            assert!(!AmbiguityRules::matchable(&rules, form), "{form}");
        }
        for form in ["c", "r", "go", "c++", "c#", "sql", "s3", "x10"] {
            assert!(AmbiguityRules::matchable(&rules, form), "{form}");
        }
        assert!(!AmbiguityRules::matchable(&AmbiguityRules::none().compile(), "c"), "C only through the list");
    }

    #[test]
    fn list_gaps() {
        assert!(is_list_gap(", "));
        assert!(is_list_gap(" and "));
        assert!(is_list_gap(" / "));
        assert!(is_list_gap(" • "));
        assert!(is_list_gap(""));
        assert!(!is_list_gap(" with "));
        assert!(!is_list_gap(". then "));
    }

    #[test]
    fn cue_must_be_a_word_in_the_same_sentence_and_near() {
        let cues = vec!["skills".to_string(), "experience with".to_string()];
        assert!(follows_cue("skills: go", 8, &cues));
        assert!(!follows_cue("soft-skillsx go", 13, &cues));
        assert!(!follows_cue("skills. go", 8, &cues));
        let far = format!("skills: {} go", "x".repeat(CUE_WINDOW_BYTES));
        assert!(!follows_cue(&far, far.len() - 2, &cues));
        assert!(follows_cue("some experience with go", 21, &cues));
    }

    #[test]
    fn list_chains_from_an_anchor_in_both_directions() {
        // "go, rust, python": only python is unambiguous.
        let text = "go, rust, python";
        let keep =
            keep_in_context(text, &spans(&[(0, 2, true, true), (4, 8, true, true), (10, 16, false, false)]), &[]);
        assert_eq!(keep, [true, true, true]);
        // Two ambiguous words do not confirm each other.
        let keep = keep_in_context("go, rust", &spans(&[(0, 2, true, true), (4, 8, true, true)]), &[]);
        assert_eq!(keep, [false, false]);
        // An uncased neighbour stays out even next to an anchor.
        let keep = keep_in_context("go, python", &spans(&[(0, 2, true, false), (4, 10, false, false)]), &[]);
        assert_eq!(keep, [false, true]);
        assert!(keep_in_context("", &[], &[]).is_empty());
        // A long chain anchored at its right end is kept whole.
        let words = ["go"; 6].join(", ") + ", python";
        let mut list: Vec<(usize, usize, bool, bool)> = (0..6).map(|i| (i * 4, i * 4 + 2, true, true)).collect();
        list.push((24, 30, false, false));
        assert!(keep_in_context(&words, &spans(&list), &[]).iter().all(|&k| k));
    }
}
