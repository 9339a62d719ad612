//! A job title as ads write it, turned into weighted search terms.
//!
//! "RN – Cardiac ICU Nights" -> core "RN" (acronym, expanded through the labels to
//! "registered nurse"), qualifiers "cardiac icu" (weighted down; "nights" dropped).
//! "Sr. Backend Engineer II" -> core "backend engineer". The core is what precedes the first
//! dash, bar, comma or colon, without parentheses; the rest are qualifiers: they can tell two
//! occupations apart ("Adjunct Instructor, Business") but rarely name one.

use std::collections::HashMap;

use crate::normalize::{is_function_word, normalize_title, stem};

/// Words stating a level, not an occupation ("Sr.", "Junior", "III").
const LEVEL_WORDS: &[&str] = &[
    "junior", "jr", "senior", "sr", "snr", "principal", "mid", "entry", "level", "trainee", "intern",
    "i", "ii", "iii", "iv", "v", "vi", "1", "2", "3", "4", "5",
];

/// Words about the schedule or contract, never the occupation.
const SCHEDULE_WORDS: &[&str] = &[
    "night", "nights", "day", "days", "evening", "evenings", "weekend", "weekends", "overnight", "shift", "shifts",
    "prn", "per", "diem", "full", "part", "time", "ft", "pt", "temporary", "temp", "contract", "remote", "hybrid",
    "seasonal", "onsite", "site", "urgent", "immediate", "start", "hiring", "now",
];

/// Weight of a qualifier term relative to a core term. Qualifiers narrow ("Cardiac ICU") more
/// often than they name; 0.3 keeps them as tie-breakers. Chosen by hand, not tuned (see
/// the occupation_accuracy program for the measured effect of the whole matcher).
pub const QUALIFIER_WEIGHT: f32 = 0.3;

/// Separators after which a title carries qualifiers.
const QUALIFIER_SEPARATORS: &[&str] = &[" - ", " – ", " — ", " | ", ",", ":", ";", " @ ", " at "];

/// A title split into core and qualifier words (lowercase, unstemmed), and the core's
/// acronyms as written in capitals ("RN", "LPN").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TitleParts {
    pub core: Vec<String>,
    pub qualifiers: Vec<String>,
    pub acronyms: Vec<String>,
}

/// Splits a title (see the module comment).
pub fn split_title(title: &str) -> TitleParts {
    let (outside, inside) = take_brackets(title);
    let cut = QUALIFIER_SEPARATORS.iter().filter_map(|s| outside.find(s)).min().unwrap_or(outside.len());
    let (core_text, rest) = outside.split_at(cut);
    let core = content_words(core_text);
    let mut qualifiers = content_words(rest);
    qualifiers.extend(content_words(&inside));
    let acronyms = core_text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| (2..=5).contains(&w.len()) && w.chars().all(|c| c.is_ascii_uppercase()))
        .map(str::to_lowercase)
        .filter(|w| !LEVEL_WORDS.contains(&w.as_str()))
        .collect();
    if core.is_empty() {
        // Nothing but qualifiers ("(Night Shift) - Nurse"): they are the title.
        return TitleParts { core: qualifiers, qualifiers: Vec::new(), acronyms };
    }
    TitleParts { core, qualifiers, acronyms }
}

/// The text outside brackets and the text inside them.
fn take_brackets(title: &str) -> (String, String) {
    let (mut outside, mut inside) = (String::new(), String::new());
    let mut depth = 0usize;
    for c in title.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                inside.push(' ');
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => outside.push(c),
            _ => inside.push(c),
        }
    }
    (outside, inside)
}

/// Normalised words of `text` without level and schedule words.
fn content_words(text: &str) -> Vec<String> {
    normalize_title(text)
        .split(' ')
        .filter(|w| !w.is_empty() && !LEVEL_WORDS.contains(w) && !SCHEDULE_WORDS.contains(w))
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

/// Stemmed words of a label or title fragment, function words dropped.
pub fn stems(words: &[String]) -> Vec<String> {
    words.iter().filter(|w| !is_function_word(w)).map(|w| stem(w)).filter(|s| !s.is_empty()).collect()
}

/// Acronyms the labels themselves spell out: "registered nurse" gives "rn", "licensed
/// practical nurse" "lpn". Each acronym expands to the words of the labels that most often
/// produce it.
#[derive(Debug, Clone, Default)]
pub struct Acronyms {
    expansions: HashMap<String, Vec<String>>,
}

impl Acronyms {
    /// Learns acronyms from labels of two to five content words.
    pub fn from_labels<S: AsRef<str>>(labels: &[S]) -> Self {
        let mut counts: HashMap<String, HashMap<Vec<String>, usize>> = HashMap::new();
        for label in labels {
            let words: Vec<String> =
                normalize_title(label.as_ref()).split(' ').filter(|w| !w.is_empty() && !is_function_word(w)).map(String::from).collect();
            if !(2..=5).contains(&words.len()) || words.iter().any(|w| !w.starts_with(|c: char| c.is_ascii_alphabetic())) {
                continue;
            }
            let acronym: String = words.iter().filter_map(|w| w.chars().next()).collect();
            let words: Vec<String> = words.iter().map(|w| stem(w)).collect();
            *counts.entry(acronym).or_default().entry(words).or_default() += 1;
        }
        let expansions = counts
            .into_iter()
            .filter_map(|(acronym, forms)| {
                forms.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|(words, _)| (acronym, words))
            })
            .collect();
        Self { expansions }
    }

    /// The stemmed words `acronym` (lowercase) stands for, if the labels spell it out.
    pub fn expand(&self, acronym: &str) -> Option<&[String]> {
        self.expansions.get(acronym).map(Vec::as_slice)
    }
}

/// The weighted stemmed terms of a title: core words at 1, acronym expansions at 1,
/// qualifiers at [`QUALIFIER_WEIGHT`]. Weighting the core's last word (its head noun) 1.5x
/// was measured and dropped: lexical top-1 on non-reserved held-out titles went from 0.579 to
/// 0.581 (onet) but from 0.574 to 0.551 (esco) and 0.429 to 0.402 (esco_ict).
pub fn title_terms(title: &str, acronyms: &Acronyms) -> Vec<(String, f32)> {
    let parts = split_title(title);
    let mut terms: Vec<(String, f32)> = stems(&parts.core).into_iter().map(|s| (s, 1.0)).collect();
    for acronym in &parts.acronyms {
        terms.extend(acronyms.expand(acronym).unwrap_or_default().iter().map(|s| (s.clone(), 1.0)));
    }
    terms.extend(stems(&parts.qualifiers).into_iter().map(|s| (s, QUALIFIER_WEIGHT)));
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn levels_shifts_and_qualifiers_leave_the_core() {
        let rn = split_title("RN – Cardiac ICU Nights");
        assert_eq!(rn.core, words(&["rn"]));
        assert_eq!(rn.qualifiers, words(&["cardiac", "icu"]));
        assert_eq!(rn.acronyms, words(&["rn"]));
        assert_eq!(split_title("Sr. Backend Engineer II").core, words(&["backend", "engineer"]));
        assert_eq!(split_title("Loan Processor III").core, words(&["loan", "processor"]));
        let adjunct = split_title("Adjunct Instructor, Business");
        assert_eq!((adjunct.core, adjunct.qualifiers), (words(&["adjunct", "instructor"]), words(&["business"])));
        let forklift = split_title("Warehouse Associate (Forklift)");
        assert_eq!((forklift.core, forklift.qualifiers), (words(&["warehouse", "associate"]), words(&["forklift"])));
        assert_eq!(split_title("(Nights) - Nurse").core, words(&["nurse"]));
    }

    #[test]
    fn acronyms_come_from_the_labels() {
        let acronyms = Acronyms::from_labels(&["Registered Nurses", "registered nurse", "Rail Navigator", "Licensed Practical Nurse"]);
        assert_eq!(acronyms.expand("rn").unwrap(), &[stem("registered"), stem("nurse")]);
        assert!(acronyms.expand("lpn").is_some());
        assert!(acronyms.expand("cna").is_none());
        let terms = title_terms("RN – Cardiac ICU Nights", &acronyms);
        assert!(terms.contains(&(stem("nurse"), 1.0)), "{terms:?}");
        assert!(terms.contains(&(stem("cardiac"), QUALIFIER_WEIGHT)), "{terms:?}");
    }

    #[test]
    fn lowercase_words_are_not_acronyms() {
        assert!(split_title("rn cardiac").acronyms.is_empty());
        assert!(split_title("Nurse II").acronyms.is_empty());
    }
}
