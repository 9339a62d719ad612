//! When a skill name found inside a text counts as a token of its own ("word boundary").
//!
//! Word characters are letters and digits of any script, and '_'. A match stands alone when:
//!
//! * Left side. If the name starts with a word character, the character before must not be one,
//!   and must not be a *joiner* glued to a word on its left (`.` `-` `+` `#` `@` `&` `'` `’`):
//!   "JS" does not match in "Node.js", "SQL" not in "T-SQL", "D" not in "R&D". A name that
//!   starts with a symbol carries its own boundary: ".NET" matches in ".NET" and also inside
//!   "ASP.NET" or "VB.NET" (both do run on .NET; when the taxonomy lists "ASP.NET" itself, that
//!   longer match starts earlier and wins). It only may not follow the same symbol ("..NET").
//! * Right side. If the name ends with a word character, the next character must not be `+` or
//!   `#` ("C" is not in "C++", "C#", "F#"), nor a joiner glued to a word on its right ("Node"
//!   not in "Node.js", "C" not in "C-level", "R" not in "R&D"), with two exceptions:
//!   the possessive "'s" ("Python's") and a hyphen suffix that still describes the skill
//!   ("Python-based", "Kafka-driven", see `SKILL_KEEPING_SUFFIXES`). The next character may be a
//!   word character only for a version number: a name of 3+ characters ending in a letter,
//!   followed by digits and dots ("Python3", "HTML5", "Java8", "Python3.11"). A name ending with
//!   a symbol ("C++", "C#") carries its own boundary: "C++" matches in "C++11", "C++/CLI" and
//!   "(C++)", just not before the same symbol again ("C+" not in "C++").
//! * `/` is a separator, not a joiner: "Python/Django" yields both skills, and "CI/CD" or
//!   "PL/SQL" win as the longer match when the taxonomy lists them.

/// Whether `c` can be part of a word: letters and digits of any script, and '_'.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Symbols that glue two words into one token when written with no space ("Node.js", "C-level").
fn is_joiner(c: char) -> bool {
    matches!(c, '.' | '-' | '+' | '#' | '@' | '&' | '\'' | '’')
}

/// Words after a hyphen that leave the skill before them intact ("Python-based tooling").
/// Hand-picked from the compound adjectives resumes use with tool names; anything else after a
/// hyphen ("C-level", "Go-live") makes a different word.
#[rustfmt::skip]
const SKILL_KEEPING_SUFFIXES: &[&str] = &[
    "based", "driven", "powered", "native", "centric", "certified", "focused", "oriented", "heavy",
    "first", "savvy", "related", "specific", "compatible", "enabled", "backed", "style", "like",
];

/// Names shorter than this may not take a glued version number: "S3", "C4", "R2", "D3", "K8s"
/// are other things, while "Java8", "CSS3", "HTML5", "Vue3", "Python3" are the skill.
const MIN_CHARS_FOR_VERSION_SUFFIX: usize = 3;

/// Whether `text[start..end]` (folded text, char-aligned, non-empty) stands alone as a token.
pub fn is_token(text: &str, start: usize, end: usize) -> bool {
    starts_token(text, start) && ends_token(text, start, end)
}

/// Whether the match starting at `start` begins a token (left side of the rule above).
fn starts_token(text: &str, start: usize) -> bool {
    let Some(first) = text[start..].chars().next() else { return false };
    let mut before = text[..start].chars().rev();
    let Some(prev) = before.next() else { return true };
    if !is_word_char(first) {
        return prev != first;
    }
    if is_word_char(prev) {
        return false;
    }
    !(is_joiner(prev) && before.next().is_some_and(is_word_char))
}

/// Whether the match `text[start..end]` ends a token (right side of the rule above).
fn ends_token(text: &str, start: usize, end: usize) -> bool {
    let Some(last) = text[..end].chars().next_back() else { return false };
    let mut after = text[end..].chars();
    let Some(next) = after.next() else { return true };
    if !is_word_char(last) {
        return next != last;
    }
    if next == '+' || next == '#' {
        return false;
    }
    if is_word_char(next) {
        return takes_version_suffix(&text[start..end], &text[end..]);
    }
    if !is_joiner(next) {
        return true;
    }
    let rest = after.as_str();
    let word: &str = &rest[..rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len())];
    match next {
        _ if word.is_empty() => true, // "Java." or "Go-" then a space: the joiner is punctuation
        '\'' | '’' => word == "s",
        '-' => SKILL_KEEPING_SUFFIXES.contains(&word),
        _ => false,
    }
}

/// Whether `name` followed directly by `rest` is the name plus a version number ("python3.11").
fn takes_version_suffix(name: &str, rest: &str) -> bool {
    let long_enough = name.chars().count() >= MIN_CHARS_FOR_VERSION_SUFFIX;
    if !long_enough || !name.chars().next_back().is_some_and(char::is_alphabetic) {
        return false;
    }
    let mut chars = rest.chars().peekable();
    let mut last_was_digit = false;
    while let Some(&c) = chars.peek() {
        let is_part = c.is_ascii_digit() || (c == '.' && last_was_digit);
        if !is_part {
            break;
        }
        last_was_digit = c.is_ascii_digit();
        chars.next();
    }
    // A trailing '.' ("Python3.") is sentence punctuation, allowed like any non-word character.
    chars.next().is_none_or(|c| !is_word_char(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `needle` (first occurrence) is a token in `text` (both already folded).
    fn token(text: &str, needle: &str) -> bool {
        let start = text.find(needle).expect("needle in text");
        is_token(text, start, start + needle.len())
    }

    #[test]
    fn symbol_names_match_next_to_punctuation() {
        assert!(token("c++, java", "c++"));
        assert!(token("(c++)", "c++"));
        assert!(token("skills: c#.", "c#"));
        assert!(token("ci/cd pipelines", "ci/cd"));
        assert!(token("pl/sql", "pl/sql"));
        assert!(token("node.js", "node.js"));
    }

    #[test]
    fn single_letters_do_not_match_inside_longer_tokens() {
        assert!(!token("c++", "c"));
        assert!(!token("c#", "c"));
        assert!(!token("c-level", "c"));
        assert!(!token("r&d", "r"));
        assert!(!token("r&d", "d"));
        assert!(!token("abc", "b"));
    }

    #[test]
    fn dot_net_matches_inside_asp_net_but_net_does_not() {
        assert!(token("asp.net", ".net"));
        assert!(token("vb.net core", ".net"));
        assert!(!token("asp.net", "net"));
        assert!(!token("..net", ".net"));
    }

    #[test]
    fn joiners_glue_words() {
        assert!(!token("node.js", "node"));
        assert!(!token("node.js", "js"));
        assert!(!token("t-sql", "sql"));
        assert!(!token("don't", "t"));
        assert!(!token("go-live", "go"));
    }

    #[test]
    fn slash_separates() {
        assert!(token("python/django", "python"));
        assert!(token("python/django", "django"));
        assert!(token("ci/cd", "cd"));
    }

    #[test]
    fn trailing_punctuation_and_suffix_exceptions() {
        assert!(token("i know java.", "java"));
        assert!(token("python's ecosystem", "python"));
        assert!(!token("python'x", "python"));
        assert!(token("python-based tooling", "python"));
        assert!(token("kafka-driven", "kafka"));
        assert!(!token("python-dev", "python"));
        assert!(token("python - django", "python"));
    }

    #[test]
    fn version_numbers_only_after_long_names() {
        assert!(token("python3 and", "python"));
        assert!(token("python3.11, go", "python"));
        assert!(token("html5.", "html"));
        assert!(!token("s3 buckets", "s"));
        assert!(!token("r2d2", "r"));
        assert!(!token("python3x", "python"));
        assert!(!token("pythonic", "python"));
    }

    #[test]
    fn symbol_names_take_versions_but_not_repeats() {
        assert!(token("c++11", "c++"));
        assert!(token("c++/cli", "c++"));
        assert!(!token("c++", "c+"));
    }

    #[test]
    fn unicode_letters_are_word_characters() {
        assert!(!token("größe", "gr"));
        assert!(token("größe, java", "größe"));
    }
}
