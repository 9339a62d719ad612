//! The experience level a job title states, if it states one: "Senior Data Engineer" ->
//! senior, "First-Line Supervisors of Police" -> lead, "Chief Executives" -> executive,
//! "Data Engineer" -> none.
//!
//! Only explicit markers count. Words that look like levels but name a job are excluded:
//! "account executive" and "executive assistant" are not executives, "school principal"
//! is not a principal engineer, and "manager" or "director" alone say nothing about level.
//! Checked in this order, first match wins: executive (C-level, president, chief),
//! intern (a trainee supervisor is still a trainee), principal, lead, senior, mid, junior.

use super::records::Level;

/// Words of a title: lowercase runs of letters and digits ("C-level" -> "c", "level").
fn words(title: &str) -> Vec<String> {
    title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// True when `phrase` (space-separated words) occurs in `words` as consecutive words.
fn has_phrase(words: &[String], phrase: &str) -> bool {
    let parts: Vec<&str> = phrase.split(' ').collect();
    words.windows(parts.len()).any(|w| w.iter().zip(&parts).all(|(a, b)| a == b))
}

/// True when any of `options` occurs as a word.
fn has_word(words: &[String], options: &[&str]) -> bool {
    words.iter().any(|w| options.contains(&w.as_str()))
}

/// C-suite acronyms; chief officers are also caught by "chief".
const C_LEVEL: &[&str] = &["ceo", "cto", "cfo", "coo", "cio", "ciso", "cmo", "cdo", "cpo"];

/// The level `title` states, or None.
pub fn parse_level(title: &str) -> Option<Level> {
    let w = words(title);
    let first = w.first().map(String::as_str);
    let executive = has_word(&w, C_LEVEL)
        || has_word(&w, &["chief", "president"])
        || ["executive director", "managing director", "executive officer", "executive vice"]
            .iter()
            .any(|p| has_phrase(&w, p));
    if executive {
        return Some(Level::Executive);
    }
    if has_word(&w, &["intern", "interns", "internship", "trainee", "trainees", "apprentice", "apprentices"]) {
        return Some(Level::Intern);
    }
    if first == Some("principal") && w.len() > 1 {
        return Some(Level::Principal);
    }
    let lead_word = w.iter().enumerate().any(|(i, x)| x == "lead" && (i + 1 < w.len() || i > 0));
    if lead_word
        || first == Some("head")
        || has_phrase(&w, "head of")
        || has_word(&w, &["supervisor", "supervisors", "foreman", "forewoman", "foremen", "leader", "superintendent"])
    {
        return Some(Level::Lead);
    }
    if has_word(&w, &["senior", "sr"]) {
        return Some(Level::Senior);
    }
    if has_phrase(&w, "mid level") || has_word(&w, &["intermediate", "mid"]) {
        return Some(Level::Mid);
    }
    if has_word(&w, &["junior", "jr"]) || has_phrase(&w, "entry level") || first == Some("graduate") {
        return Some(Level::Junior);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_markers() {
        assert_eq!(parse_level("Senior Data Engineer"), Some(Level::Senior));
        assert_eq!(parse_level("Sr. Backend Developer"), Some(Level::Senior));
        assert_eq!(parse_level("Junior accountant"), Some(Level::Junior));
        assert_eq!(parse_level("Entry-Level Analyst"), Some(Level::Junior));
        assert_eq!(parse_level("graduate online marketer"), Some(Level::Junior));
        assert_eq!(parse_level("Mid-level QA Engineer"), Some(Level::Mid));
        assert_eq!(parse_level("Software Engineering Intern"), Some(Level::Intern));
        assert_eq!(parse_level("call centre analyst trainee"), Some(Level::Intern));
        assert_eq!(parse_level("Principal Engineer"), Some(Level::Principal));
        assert_eq!(parse_level("Tech Lead"), Some(Level::Lead));
        assert_eq!(parse_level("lead machinist"), Some(Level::Lead));
        assert_eq!(parse_level("head chef"), Some(Level::Lead));
        assert_eq!(parse_level("First-Line Supervisors of Police and Detectives"), Some(Level::Lead));
        assert_eq!(parse_level("Chief Executives"), Some(Level::Executive));
        assert_eq!(parse_level("chief ICT security officer"), Some(Level::Executive));
        assert_eq!(parse_level("CTO"), Some(Level::Executive));
        assert_eq!(parse_level("Vice President of Sales"), Some(Level::Executive));
    }

    #[test]
    fn job_names_that_only_look_like_levels() {
        assert_eq!(parse_level("Account Executive"), None);
        assert_eq!(parse_level("executive assistant"), None);
        assert_eq!(parse_level("Executive Secretaries and Executive Administrative Assistants"), None);
        assert_eq!(parse_level("further education principal"), None);
        assert_eq!(parse_level("General and Operations Managers"), None);
        assert_eq!(parse_level("art director"), None);
        assert_eq!(parse_level("lead"), None);
        assert_eq!(parse_level("Data Entry Keyers"), None);
    }

    #[test]
    fn order_resolves_conflicts() {
        assert_eq!(parse_level("trainee supervisor"), Some(Level::Intern));
        assert_eq!(parse_level("senior vice president"), Some(Level::Executive));
        assert_eq!(parse_level("senior supervisor"), Some(Level::Lead));
    }

    #[test]
    fn empty_and_symbol_titles_have_no_level() {
        assert_eq!(parse_level(""), None);
        assert_eq!(parse_level("--- / ---"), None);
    }
}
