//! Names and aliases kept out of the taxonomy because skill extraction would find them where
//! no skill is named (issue 9: "Unity (digital game creation systems)" found in "4 years",
//! "education" taken from a section header, "retries" or "schema" counted as skills).
//! Extraction matches every name and alias in free text, so one bad form costs precision in
//! every resume; the rules are checked where every form enters the merged list
//! (`SkillSet::insert` and `SkillSet::add_alias`), whatever its source.
//!
//! A form is junk when it is:
//! - mostly digits: fewer than two letters and some digit ("4", "1.5", "8000", "X10",
//!   "m365"). ESCO's split leaves version numbers as aliases ("Unity 4, 5" gave "4" and "5"),
//!   and a number in text is a count or a year far more often than a product;
//! - a section header of a resume or a posting (`SECTION_HEADERS`): every resume has one,
//!   so a skill of that name would be found in all of them;
//! - a generic word (`GENERIC_WORDS`): words every software posting uses for what any team
//!   has, listed by skill-extractor as technologies;
//! - a fragment: several words, the first or last a function word ("adhere to", "map the
//!   mantle of the"): ESCO texts the split cut in the middle of a phrase.
//!
//! And an alias is junk when it is its own skill's name cut short: the name's first words
//! without the object the name goes on to ("set up" of "set up tower crane", "Deliver" of
//! "deliver Pilates exercises", "Six" of "six sigma methods": the split also leaks the
//! description's capitalised first word). A qualifier in parentheses is not an object ("Unity"
//! of "Unity (digital game creation systems)" stays), nor is a cased product name's next word
//! ("Google Cloud" of "Google Cloud Platform" stays): either the alias or the name must start
//! lowercase, as ESCO's phrase labels do.
//!
//! A skill whose own name is junk is dropped with its aliases: renamed to an alias, it would
//! show a name its source never gave it. Curated technologies never are junk (a test checks).

/// Words resumes and postings use as section headings. Case-insensitive, whole form only
/// ("education law" is not a header).
#[rustfmt::skip]
pub const SECTION_HEADERS: &[&str] = &[
    "education", "experience", "work experience", "professional experience", "employment history",
    "skills", "key skills", "technical skills", "summary", "professional summary", "profile",
    "objective", "career objective", "references", "projects", "certifications", "certificates",
    "languages", "interests", "hobbies", "awards", "achievements", "publications", "contact",
    "responsibilities", "requirements", "qualifications", "benefits", "about us", "overview",
];

/// Generic words that skill-extractor's list holds as technology names. The issue's examples
/// (retries, slas, schema, upstream), their plurals and opposites, and the nouns every posting
/// uses for its own organisation (team, services, product) or architecture (monolith,
/// clusters). Some came from the wrong spans of the labelled sample
/// (tests/data/extraction_sample.tsv), so that sample's precision after this list is
/// optimistic for them.
#[rustfmt::skip]
pub const GENERIC_WORDS: &[&str] = &[
    "retries", "retry", "slas", "schema", "schemas", "upstream", "downstream",
    "team", "teams", "services", "service", "product", "products", "monolith", "clusters",
];

/// Words that start or end a phrase cut in the middle, not a name.
const FUNCTION_WORDS: &[&str] = &["a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"];

/// Why `form` may not be a name or alias, or None when it may.
pub fn junk_reason(form: &str) -> Option<&'static str> {
    let lower = form.trim().to_lowercase();
    let letters = lower.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 2 && lower.chars().any(|c| c.is_ascii_digit()) {
        return Some("mostly digits");
    }
    if SECTION_HEADERS.contains(&lower.as_str()) {
        return Some("section header");
    }
    if GENERIC_WORDS.contains(&lower.as_str()) {
        return Some("generic word");
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    let is_function = |w: Option<&&str>| w.is_some_and(|w| FUNCTION_WORDS.contains(w));
    if words.len() > 1 && (is_function(words.first()) || is_function(words.last())) {
        return Some("fragment");
    }
    None
}

/// Why `alias` may not be an alias of the skill named `name`, or None when it may: the form
/// rules of `junk_reason`, then the cut-short name rule.
pub fn junk_alias_reason(alias: &str, name: &str) -> Option<&'static str> {
    junk_reason(alias).or_else(|| is_cut_short(alias.trim(), name.trim()).then_some("name cut short"))
}

/// Whether `alias` is `name`'s first words with an object following (not a parenthesised
/// qualifier), and the alias or the name is lowercase (not a product name's prefix).
fn is_cut_short(alias: &str, name: &str) -> bool {
    let alias_words: Vec<&str> = alias.split_whitespace().collect();
    let name_words: Vec<&str> = name.split_whitespace().collect();
    let phrase = !alias.chars().any(char::is_uppercase) || name.chars().next().is_some_and(char::is_lowercase);
    phrase
        && alias_words.len() < name_words.len()
        && name_words.iter().zip(&alias_words).all(|(n, a)| n.eq_ignore_ascii_case(a))
        && !name_words[alias_words.len()].starts_with('(')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::tech_aliases::CURATED_TECHNOLOGIES;

    #[test]
    fn digits_are_junk_unless_two_letters_name_something() {
        for form in ["4", "5", "1.5", "8000", "X10", "m365", "2019"] {
            assert_eq!(junk_reason(form), Some("mostly digits"), "{form}");
        }
        for form in ["S3 buckets", "HTML5", "ISO 9001", "x86_64 assembly", "3D modelling"] {
            assert_eq!(junk_reason(form), None, "{form}");
        }
    }

    #[test]
    fn section_headers_are_junk_as_whole_forms_only() {
        assert_eq!(junk_reason("Education"), Some("section header"));
        assert_eq!(junk_reason(" work experience "), Some("section header"));
        assert_eq!(junk_reason("education law"), None);
        assert_eq!(junk_reason("skills management"), None);
    }

    #[test]
    fn the_issues_generic_words_are_junk() {
        for form in ["retries", "slas", "SLAs", "schema", "upstream"] {
            assert_eq!(junk_reason(form), Some("generic word"), "{form}");
        }
        assert_eq!(junk_reason("schema design"), None, "a longer name is not the word");
    }

    #[test]
    fn phrases_cut_at_a_function_word_are_fragments() {
        assert_eq!(junk_reason("adhere to"), Some("fragment"));
        assert_eq!(junk_reason("map the mantle of the"), Some("fragment"));
        assert_eq!(junk_reason("an ICT hardware specification"), Some("fragment"));
        assert_eq!(junk_reason("Ruby on Rails"), None, "a function word inside is fine");
        assert_eq!(junk_reason("a"), None, "one word is left to the serving rule");
    }

    #[test]
    fn aliases_that_cut_the_name_short_are_junk() {
        assert_eq!(junk_alias_reason("set up", "set up tower crane"), Some("name cut short"));
        assert_eq!(junk_alias_reason("deliver", "deliver Pilates exercises"), Some("name cut short"));
        assert_eq!(junk_alias_reason("six", "six sigma methods"), Some("name cut short"));
        assert_eq!(junk_alias_reason("Six", "six sigma methods"), Some("name cut short"), "a leaked description word");
        assert_eq!(junk_alias_reason("Unity", "Unity (digital game creation systems)"), None);
        assert_eq!(junk_alias_reason("Google Cloud", "Google Cloud Platform"), None);
        assert_eq!(junk_alias_reason("set up tower crane", "set up tower crane"), None);
        assert_eq!(junk_alias_reason("4", "Unity (digital game creation systems)"), Some("mostly digits"));
    }

    #[test]
    fn curated_technologies_are_never_junk() {
        for (name, aliases) in CURATED_TECHNOLOGIES {
            assert_eq!(junk_reason(name), None, "{name}");
            for alias in *aliases {
                assert_eq!(junk_alias_reason(alias, name), None, "{alias} of {name}");
            }
        }
    }
}
