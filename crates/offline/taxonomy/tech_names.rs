//! skill-extractor's 30,957 lowercase skill names: which of them enter the taxonomy as
//! technology skills, and what the compound entries ("python (flask, django)",
//! "node.js/express") say about how technologies relate.
//!
//! The lexical rule (`classify`), applied before the embedding vote of `build`:
//! - non-ASCII entries are dropped (70 entries, mostly German terms and typographic junk:
//!   "ausführungsplanungen", "co₂ certificates");
//! - more than `MAX_WORDS` words: a phrase, not a name ("oracle and ms sql or mysql ...");
//! - entries with `/ , ; ( ) &` or " and "/" or " list several things: they are not skills
//!   themselves but are mined for relations (`compound`), except "name (abbreviation)"
//!   ("kubernetes (k8s)"), which gives an alias;
//! - a trailing version ("react 18", ".net 8+", "spring boot 3.x") makes the entry an alias
//!   of its base name;
//! - `MAX_SHORT_CHARS` characters or fewer: ambiguous acronyms ("aca", "acc", "aar");
//! - a single word that ESCO's definitions use as an ordinary lowercase word ("adoption",
//!   "alerts", "arrow"): generic, and ESCO already covers the concept.
//!
//! Curated technologies (`tech_aliases`) pass regardless.

use std::collections::{HashMap, HashSet};

use super::data_files::{DataDir, SKILL_EXTRACTOR_JSON};
use resonance_engine::normalize::clean;
use resonance_engine::error::Result;

/// Longest entry kept, in words. Technology names rarely exceed four ("google kubernetes
/// engine", "react native testing library"); 1,882 of 30,957 entries are longer.
pub const MAX_WORDS: usize = 4;

/// Entries this short are ambiguous acronyms unless curated.
pub const MAX_SHORT_CHARS: usize = 3;

/// What the lexical rule decides for one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexicalVerdict {
    /// A candidate technology name (still subject to the embedding vote).
    Candidate,
    /// A version of `base` ("react 18" -> "react"): an alias if the base is kept.
    VersionOf(String),
    /// "name (abbreviation)": the abbreviation is an alias of the name.
    Abbreviation { name: String, abbreviation: String },
    /// Lists several names; see `compound`.
    Compound,
    /// Not a technology name, with the rule that said so.
    Dropped(&'static str),
}

/// Reads skill-extractor's skills.json (a JSON array of strings).
pub fn read_skill_extractor(data: &DataDir) -> Result<Vec<String>> {
    data.json(SKILL_EXTRACTOR_JSON)
}

/// A version token: "18", "3.x", "8+", "v2", "4.5".
fn is_version(token: &str) -> bool {
    let t = token.strip_prefix('v').unwrap_or(token);
    let t = t.strip_suffix('+').unwrap_or(t);
    let t = t.strip_suffix(".x").unwrap_or(t);
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') && t.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// True when `short` abbreviates `long`: its letters are the initials of `long`'s words
/// ("ast" / "abstract syntax trees"), or it is a numeronym ("k8s" / "kubernetes").
pub fn is_abbreviation(short: &str, long: &str) -> bool {
    let initials: String = long.split([' ', '-']).filter_map(|w| w.chars().next()).collect();
    if short.len() >= 2 && initials == short {
        return true;
    }
    let chars: Vec<char> = short.chars().collect();
    let long_chars: Vec<char> = long.chars().collect();
    if chars.len() >= 3 && !long.contains(' ') {
        let middle: String = chars[1..chars.len() - 1].iter().collect();
        if let Ok(n) = middle.parse::<usize>() {
            return chars[0] == long_chars[0]
                && chars[chars.len() - 1] == long_chars[long_chars.len() - 1]
                && n + 2 == long_chars.len();
        }
    }
    false
}

/// Applies the lexical rule to one entry. `common_words` are the lowercase words of ESCO's
/// definitions; `curated` the keys of curated names and aliases.
pub fn classify(entry: &str, common_words: &HashSet<String>, curated: &HashSet<String>) -> LexicalVerdict {
    let name = clean(entry).to_lowercase();
    if curated.contains(&name) {
        return LexicalVerdict::Candidate;
    }
    if !name.is_ascii() {
        return LexicalVerdict::Dropped("non-ascii");
    }
    if let Some((outer, inner)) = name.strip_suffix(')').and_then(|n| n.split_once(" (")) {
        if !inner.contains([',', '/', ' ', '(']) && is_abbreviation(inner, outer) {
            return LexicalVerdict::Abbreviation { name: outer.to_string(), abbreviation: inner.to_string() };
        }
    }
    if name.contains(['/', ',', ';', '(', ')', '&']) || name.contains(" and ") || name.contains(" or ") {
        return LexicalVerdict::Compound;
    }
    let words: Vec<&str> = name.split(' ').collect();
    if words.len() > MAX_WORDS {
        return LexicalVerdict::Dropped("too many words");
    }
    if words.len() > 1 && is_version(words[words.len() - 1]) {
        return LexicalVerdict::VersionOf(words[..words.len() - 1].join(" "));
    }
    if name.len() <= MAX_SHORT_CHARS {
        return LexicalVerdict::Dropped("short acronym");
    }
    if words.len() == 1 && common_words.contains(&name) {
        return LexicalVerdict::Dropped("common word");
    }
    LexicalVerdict::Candidate
}

/// The names a compound entry lists, and the one it qualifies them by if any:
/// "python (flask, django)" -> head "python", items [flask, django];
/// "node.js/express" -> no head, items [node.js, express].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compound {
    pub head: Option<String>,
    pub items: Vec<String>,
}

/// Splits a list of names on `/ , ;` and the words "and", "or", dropping "e.g.".
fn list_items(text: &str) -> Vec<String> {
    text.replace(" and ", ",")
        .replace(" or ", ",")
        .split([',', '/', ';', '&'])
        .map(|p| clean(p.trim().trim_start_matches("e.g.").trim_start_matches("such as")))
        .filter(|p| !p.is_empty() && p.len() > 1)
        .collect()
}

/// Parses a compound entry; None if it lists fewer than two names.
pub fn compound(entry: &str) -> Option<Compound> {
    let name = clean(entry).to_lowercase();
    let (head, items) = match name.strip_suffix(')').and_then(|n| n.split_once(" (")) {
        Some((outer, inner)) => (Some(outer.trim().to_string()), list_items(inner)),
        None => (None, list_items(&name)),
    };
    let enough = items.len() + usize::from(head.is_some()) >= 2;
    enough.then_some(Compound { head, items })
}

/// Display casing for a lowercase name: each word's most frequent cased form in ESCO's
/// texts, if every word has a non-lowercase form there ("apache tomcat" -> "Apache Tomcat");
/// otherwise the name as given, so no half-cased names appear.
pub fn display_casing(name: &str, casing: &HashMap<String, String>) -> String {
    let cased: Option<Vec<&str>> = name.split(' ').map(|w| casing.get(w).map(String::as_str)).collect();
    match cased {
        Some(words) => words.join(" "),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_plain(entry: &str) -> LexicalVerdict {
        let common: HashSet<String> = ["adoption", "alerts"].iter().map(|s| s.to_string()).collect();
        let curated: HashSet<String> = ["go", "c#"].iter().map(|s| s.to_string()).collect();
        classify(entry, &common, &curated)
    }

    #[test]
    fn junk_rules() {
        assert_eq!(classify_plain("ausführungsplanungen"), LexicalVerdict::Dropped("non-ascii"));
        assert_eq!(classify_plain("oracle mysql mongodb postgres cloud db"), LexicalVerdict::Dropped("too many words"));
        assert_eq!(classify_plain("aca"), LexicalVerdict::Dropped("short acronym"));
        assert_eq!(classify_plain("adoption"), LexicalVerdict::Dropped("common word"));
        assert_eq!(classify_plain("kubernetes"), LexicalVerdict::Candidate);
        assert_eq!(classify_plain("go"), LexicalVerdict::Candidate, "curated names pass");
        assert_eq!(classify_plain("react 18"), LexicalVerdict::VersionOf("react".into()));
        assert_eq!(classify_plain(".net 8+"), LexicalVerdict::VersionOf(".net".into()));
        assert_eq!(classify_plain("spring boot 3.x"), LexicalVerdict::VersionOf("spring boot".into()));
        assert_eq!(classify_plain("python (flask, django)"), LexicalVerdict::Compound);
        assert_eq!(classify_plain("research and development"), LexicalVerdict::Compound);
        assert_eq!(classify_plain(""), LexicalVerdict::Dropped("short acronym"));
    }

    #[test]
    fn abbreviations_become_aliases() {
        assert_eq!(
            classify_plain("kubernetes (k8s)"),
            LexicalVerdict::Abbreviation { name: "kubernetes".into(), abbreviation: "k8s".into() }
        );
        assert_eq!(
            classify_plain("abstract syntax trees (ast)"),
            LexicalVerdict::Abbreviation { name: "abstract syntax trees".into(), abbreviation: "ast".into() }
        );
        assert!(!is_abbreviation("k9s", "kubernetes"));
        assert!(!is_abbreviation("x", "xml"));
    }

    #[test]
    fn compounds_split_into_head_and_items() {
        assert_eq!(
            compound("python (flask, django)"),
            Some(Compound { head: Some("python".into()), items: vec!["flask".into(), "django".into()] })
        );
        assert_eq!(compound("node.js/express"), Some(Compound { head: None, items: vec!["node.js".into(), "express".into()] }));
        assert_eq!(
            compound("containerization (e.g., docker, kubernetes)"),
            Some(Compound { head: Some("containerization".into()), items: vec!["docker".into(), "kubernetes".into()] })
        );
        assert_eq!(compound("kubernetes"), None);
    }

    #[test]
    fn casing_applies_only_when_every_word_is_known() {
        let casing: HashMap<String, String> =
            [("apache", "Apache"), ("tomcat", "Tomcat")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(display_casing("apache tomcat", &casing), "Apache Tomcat");
        assert_eq!(display_casing("apache kafka", &casing), "apache kafka");
    }
}
