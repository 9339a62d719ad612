//! The job titles a resume states: what occupation inference reads on the resume side.
//!
//! A resume says what its writer does in a few places: a headline title (the `title` column,
//! or the text's first line, "Senior Backend Engineer - Python and Django"), and the roles of
//! its experience section ("Data Engineer, an online grocery company in Amsterdam
//! (2021-present)", "Registered Nurse at St. Mary's Hospital, 2018-2023"). Everything else
//! (summaries, bullet points, skill lists) is prose, which inference reads through the skills
//! it names instead. Only short, title-shaped phrases are taken, so a sentence such as
//! "Dedicated specialist with 11 years of experience" is never mistaken for a title.

/// How many titles a resume contributes: the headline and the latest roles say most; older
/// roles add little but noise.
pub const MAX_RESUME_TITLES: usize = 3;

/// Longest phrase taken as a title, in words ("First-Line Supervisors of Food Preparation
/// and Serving Workers" is 10).
const MAX_TITLE_WORDS: usize = 10;

/// Words that make a phrase a sentence, not a title.
const SENTENCE_WORDS: &[&str] = &[
    "with", "years", "year", "experience", "experienced", "looking", "seeking", "my", "am", "who", "is",
    "are", "have", "has", "open", "passionate", "dedicated", "enjoy", "skills", "summary", "education", "profile",
];

/// Where a role's title ends and its employer or dates begin.
const ROLE_SEPARATORS: &[&str] = &[", ", " — ", " – ", " - ", " | ", " at ", " @ ", " (", " / "];

/// The resume's titles, headline first, then roles in the order written (latest first in
/// most resumes), without repeats, at most [`MAX_RESUME_TITLES`].
pub fn resume_titles(title: Option<&str>, text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // The title column is the writer's own: its case is not a hint, as it is in running text.
    let mut push = |candidate: &str, stated: bool| {
        let candidate = candidate.trim();
        if out.len() < MAX_RESUME_TITLES
            && looks_like_title(candidate)
            && (stated || candidate.chars().next().is_some_and(char::is_uppercase))
            && !out.iter().any(|t| t.eq_ignore_ascii_case(candidate))
        {
            out.push(candidate.to_string());
        }
    };
    if let Some(t) = title {
        push(t, true);
    }
    let segments = segments(text);
    if let Some(first) = segments.first() {
        push(before_separator(first), false);
    }
    for segment in segments.iter().filter(|s| has_year(s)) {
        push(before_separator(segment), false);
    }
    out
}

/// The text cut into sentence-like segments: at line breaks, sentence ends, semicolons and
/// the colon of a section header ("Experience: Data Engineer, ...").
fn segments(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let next_is_space = bytes.get(i + 1).is_none_or(|c| c.is_ascii_whitespace());
        let ends = match b {
            b'\n' | b';' => true,
            b':' => next_is_space,
            b'.' => next_is_space && !after_abbreviation(&text[start..i]),
            _ => false,
        };
        if ends {
            out.push(&text[start..i]);
            start = i + 1;
        }
    }
    out.push(&text[start..]);
    out.into_iter()
        .map(|s| s.trim().trim_start_matches(['-', '*', '•']).trim())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether `before` ends in a short capitalised abbreviation ("St", "Dr", "Sr", "Inc"), whose
/// full stop ends no sentence ("St. Mary's Hospital").
fn after_abbreviation(before: &str) -> bool {
    let word = before.rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or("");
    let mut chars = word.chars();
    (1..=3).contains(&word.chars().count())
        && chars.next().is_some_and(char::is_uppercase)
        && chars.all(char::is_lowercase)
}

/// The part of a segment before its first role separator.
fn before_separator(segment: &str) -> &str {
    let cut = ROLE_SEPARATORS.iter().filter_map(|s| segment.find(s)).min().unwrap_or(segment.len());
    &segment[..cut]
}

/// A year of the kind a role's dates hold (1950-2099).
fn has_year(segment: &str) -> bool {
    segment.as_bytes().windows(4).enumerate().any(|(i, w)| {
        let digits = w.iter().all(u8::is_ascii_digit);
        let boundary = |j: Option<&u8>| j.is_none_or(|c| !c.is_ascii_digit());
        digits
            && (w.starts_with(b"19") && w[2] >= b'5' || w.starts_with(b"20"))
            && boundary(i.checked_sub(1).and_then(|p| segment.as_bytes().get(p)))
            && boundary(segment.as_bytes().get(i + 4))
    })
}

/// A short phrase without digits or sentence words.
fn looks_like_title(phrase: &str) -> bool {
    let words: Vec<&str> = phrase.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= MAX_TITLE_WORDS
        && !phrase.chars().any(|c| c.is_ascii_digit())
        && !words.iter().any(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
            SENTENCE_WORDS.contains(&w.as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_and_roles_with_dates_are_titles() {
        let text = "Data Engineer - Spark, Airflow, SQL. Summary: Data engineer with 4 years of experience \
                    building pipelines. Experience: Data Engineer, an online grocery company in Amsterdam \
                    (2021-present): built PySpark jobs. Junior Data Engineer, a consultancy in Utrecht \
                    (2020-2021): wrote SQL ETL jobs. Education: BSc Econometrics, University of Amsterdam.";
        assert_eq!(resume_titles(None, text), vec!["Data Engineer", "Junior Data Engineer"]);
        assert_eq!(
            resume_titles(Some("Lead Data Engineer"), text),
            vec!["Lead Data Engineer", "Data Engineer", "Junior Data Engineer"]
        );
    }

    #[test]
    fn roles_on_their_own_lines_in_common_layouts() {
        let text = "Jane Doe\nRegistered Nurse at St. Mary's Hospital, 2018 – 2023\n\
                    - Cared for 6 patients per shift\nCharge Nurse | County Clinic | 2015-2018\n";
        assert_eq!(resume_titles(None, text), vec!["Jane Doe", "Registered Nurse", "Charge Nurse"]);
    }

    #[test]
    fn prose_and_skill_lists_give_no_title() {
        let dev = "Dedicated specialist with 11 years of experience, open to new opportunities.\n\nSkills:\n\
                   - Internet of Things\n- maintain database";
        assert!(resume_titles(None, dev).is_empty(), "{:?}", resume_titles(None, dev));
        let onet = "Detail-oriented professional with 2 years of experience.\n\nExperience:\n- Installed \
                    electrical components in aircraft, using hand tools.";
        assert!(resume_titles(None, onet).is_empty(), "{:?}", resume_titles(None, onet));
        assert!(resume_titles(Some(""), "").is_empty());
        assert!(resume_titles(Some("   "), "in 2019 I moved").is_empty());
    }

    #[test]
    fn at_most_three_without_repeats() {
        let text = "Cook (2019-2020). Cook (2018-2019). Baker (2017). Waiter (2016). Host (2015).";
        assert_eq!(resume_titles(Some("COOK"), text), vec!["COOK", "Baker", "Waiter"]);
        // A lowercase title column is still a title; a repeat in another case is not.
        assert_eq!(resume_titles(Some("cook"), text), vec!["cook", "Baker", "Waiter"]);
        assert!(resume_titles(None, "cook (2019-2020)").is_empty(), "running text: a title has a capital");
    }

    #[test]
    fn years_are_four_digit_dates_only() {
        assert!(has_year("Engineer (2021-present)"));
        assert!(has_year("Nurse 1998"));
        assert!(!has_year("grew revenue 12345"));
        assert!(!has_year("3,000 requests per second"));
        assert!(!has_year("1200 patients"));
    }
}
