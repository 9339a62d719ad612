//! Small text rules shared by every taxonomy source: whitespace cleanup, the
//! case-insensitive key that decides when two names are the same skill, title
//! normalisation, and a crude English stemmer for comparing word forms.

/// Words that never start or end a skill or occupation name ("manage staff of music").
pub const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "its", "of", "on", "or", "than", "the", "their",
    "to", "via", "with",
];

/// True for a word of `FUNCTION_WORDS`, compared case-insensitively.
pub fn is_function_word(word: &str) -> bool {
    FUNCTION_WORDS.iter().any(|f| f.eq_ignore_ascii_case(word))
}

/// Collapses every run of whitespace (including no-break spaces, common in ESCO texts)
/// to one ASCII space and trims the ends.
pub fn clean(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{a0}').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The key under which two skill names are the same skill: cleaned and lowercased.
/// Case-insensitive only, as the taxonomy contract asks; "Node.js" and "nodejs" stay two
/// keys and are tied together by aliases instead.
pub fn name_key(name: &str) -> String {
    clean(name).to_lowercase()
}

/// `kg_titles.normalized_name`: lowercase words of letters, digits, `+` and `#`
/// ("First-Line Supervisors" -> "first line supervisors", "C++ Developer" -> "c++ developer").
pub fn normalize_title(title: &str) -> String {
    let mapped: String = title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '+' || c == '#' { c } else { ' ' })
        .collect();
    clean(&mapped)
}

/// A word with the common English inflections removed, so "collect", "collecting",
/// "collection" and "collects" compare equal, as do "use"/"using" and "analyse"/"analyze".
/// Crude on purpose: it only answers "are these two words forms of one another", and its
/// output is never shown.
pub fn stem(word: &str) -> String {
    let lower = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase().replace("yz", "ys").replace("iz", "is");
    // Longest suffixes first; each must leave a 2-letter stem ("us" for "use", "using").
    const SUFFIXES: &[&str] = &["ing", "ion", "ment", "ed", "es", "s", "e"];
    let mut out = lower.clone();
    for suffix in SUFFIXES {
        let keep = lower.len().saturating_sub(suffix.len());
        let double_s = *suffix == "s" && lower.ends_with("ss");
        if lower.ends_with(suffix) && keep >= 2 && !double_s && lower.is_char_boundary(keep) {
            out.truncate(keep);
            break;
        }
    }
    // "planning" -> "plann" -> "plan"; l and s double in base forms ("install", "assess").
    let bytes = out.as_bytes();
    if bytes.len() >= 4 && bytes[bytes.len() - 1] == bytes[bytes.len() - 2] && !b"aeiouls".contains(&bytes[bytes.len() - 1]) {
        out.pop();
    }
    out
}

/// True when `text` contains `needle` as whole words (both already lowercase): the
/// characters either side of the match are not letters or digits.
pub fn contains_words(text: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    text.match_indices(needle).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_collapses_no_break_and_repeated_spaces() {
        assert_eq!(clean("  wire\u{a0}drawing   machine \t tender "), "wire drawing machine tender");
        assert_eq!(clean(""), "");
    }

    #[test]
    fn name_key_ignores_case_and_spacing_only() {
        assert_eq!(name_key("PostgreSQL"), name_key(" postgresql "));
        assert_ne!(name_key("Node.js"), name_key("nodejs"));
    }

    #[test]
    fn normalize_title_keeps_plus_and_hash() {
        assert_eq!(normalize_title("First-Line Supervisors of Police"), "first line supervisors of police");
        assert_eq!(normalize_title("Senior C++ / C# Developer"), "senior c++ c# developer");
        assert_eq!(normalize_title("--"), "");
    }

    #[test]
    fn stem_joins_word_forms() {
        assert_eq!(stem("collecting"), stem("collect"));
        assert_eq!(stem("collection"), stem("collect"));
        assert_eq!(stem("planning"), stem("plan"));
        assert_eq!(stem("assess"), "assess");
        assert_eq!(stem("using"), stem("use"));
        assert_eq!(stem("analyze"), stem("analysing"));
        assert_ne!(stem("manage"), stem("map"));
    }

    #[test]
    fn contains_words_needs_word_boundaries() {
        assert!(contains_words("spring boot", "spring"));
        assert!(contains_words("python (flask, django)", "django"));
        assert!(!contains_words("springfield", "spring"));
        assert!(!contains_words("javascript", "java"));
        assert!(!contains_words("anything", ""));
    }
}
