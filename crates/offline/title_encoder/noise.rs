//! Rule-made job-ad noise for titles: what employers add around and inside an occupation's
//! name ("Sr. RN - Cardiac ICU Nights #R10442"). The taxonomies' labels are clean; real ad
//! titles are not, and the gap (top-1 0.70 on clean labels, 0.33 on ad titles) is what the
//! title encoder must close. Each rule is deterministic given its `Rng`, so a training
//! variant or a noised test title is the same in every run.
//!
//! The rules (DATA.md §6.4): abbreviations (RN, CNA, HR, Mgr), "Manager, Finance" word order,
//! level words and roman numerals, shift / contract, location, requisition number, pay and
//! bracketed qualifier tails, and upper/lower casing. EDA's word operations
//! (`training::augmentation`) stay out: ads reorder words by the comma rule, not at random.

use resonance_engine::rng::Rng;

/// Phrases ads abbreviate, longest first so "certified nursing assistant" wins over
/// "nursing assistant". Lowercase; matched on word boundaries.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("certified nursing assistant", "CNA"),
    ("licensed practical nurse", "LPN"),
    ("licensed vocational nurse", "LVN"),
    ("chief executive officer", "CEO"),
    ("chief financial officer", "CFO"),
    ("registered nurse", "RN"),
    ("nursing assistant", "CNA"),
    ("nurse practitioner", "NP"),
    ("human resources", "HR"),
    ("information technology", "IT"),
    ("vice president", "VP"),
    ("customer service", "Customer Svc"),
    ("truck driver", "CDL Driver"),
    ("quality assurance", "QA"),
    ("representative", "Rep"),
    ("administrative", "Admin"),
    ("administrator", "Admin"),
    ("maintenance", "Maint"),
    ("coordinator", "Coord"),
    ("development", "Dev"),
    ("specialist", "Spec"),
    ("supervisor", "Supv"),
    ("technician", "Tech"),
    ("operations", "Ops"),
    ("department", "Dept"),
    ("accounting", "Acctg"),
    ("assistant", "Asst"),
    ("associate", "Assoc"),
    ("director", "Dir"),
    ("engineer", "Engr"),
    ("manager", "Mgr"),
];

/// Level words ads put first.
const LEVEL_PREFIXES: &[&str] = &["Senior", "Sr.", "Junior", "Jr.", "Lead", "Principal", "Entry Level", "Staff", "Trainee"];
/// Level marks ads put last.
const LEVEL_SUFFIXES: &[&str] = &["I", "II", "III", "IV", "2", "- Level 2", "(Senior)"];
const SHIFT_TAILS: &[&str] = &[
    " - Nights", " - Night Shift", " (Days)", " - Weekends", " - PRN", " - Per Diem", " (Part-Time)", " - Full Time",
    " 2nd Shift", " - Evenings", " (Temp)", " - Contract", " - Seasonal",
];
const LOCATION_TAILS: &[&str] = &[
    " - Austin, TX", " - Remote", " | Chicago, IL", " (Hybrid)", " - New York, NY", ", Denver CO", " - Dallas/Fort Worth",
    " - London", " @ Phoenix, AZ", " | Onsite",
];
const PAY_TAILS: &[&str] = &[" - $22/hr", " $18-$24/hour", " - Up to $85K", " - Sign-On Bonus", " ($5,000 Bonus)"];
const QUALIFIER_TAILS: &[&str] = &[
    " (Bilingual)", " (Entry Level)", " (Experienced)", " - Urgently Hiring", " (No Experience Needed)",
    " - Immediate Start", " (Spanish Speaking)",
];

/// Probabilities of the rules on the occupation's own words. Tails are added until one
/// is drawn not to be (so most noised titles carry one or two).
const ABBREVIATE_P: f64 = 0.5;
const INVERT_P: f64 = 0.2;
const LEVEL_P: f64 = 0.35;
const ANOTHER_TAIL_P: f64 = 0.4;
const CASING_P: f64 = 0.1;

/// A noised version of `title` (never equal to it): rules on its words, then level, then
/// tails, then casing.
pub fn ad_noise(title: &str, rng: &mut Rng) -> String {
    let mut out = title.trim().to_string();
    if rng.chance(ABBREVIATE_P) {
        out = abbreviate(&out, rng);
    }
    if rng.chance(INVERT_P) {
        out = invert_head(&out);
    }
    if rng.chance(LEVEL_P) {
        out = add_level(&out, rng);
    }
    loop {
        out = add_tail(&out, rng);
        if !rng.chance(ANOTHER_TAIL_P) {
            break;
        }
    }
    if rng.chance(CASING_P) {
        out = if rng.chance(0.5) { out.to_uppercase() } else { out.to_lowercase() };
    }
    out
}

/// Replaces one abbreviable phrase of `title` (chosen at random among those present) by its
/// abbreviation; the title unchanged when none is present.
pub fn abbreviate(title: &str, rng: &mut Rng) -> String {
    let lower = title.to_lowercase();
    let present: Vec<(usize, &str, &str)> = ABBREVIATIONS
        .iter()
        .filter_map(|&(phrase, short)| word_position(&lower, phrase).map(|at| (at, phrase, short)))
        .collect();
    // A phrase inside a longer one present ("nursing assistant" in "certified nursing
    // assistant") is not a candidate: the longer one is the term the ad abbreviates.
    let overlaps = |a: &(usize, &str, &str), b: &(usize, &str, &str)| a.0 < b.0 + b.1.len() && b.0 < a.0 + a.1.len();
    let candidates: Vec<_> =
        present.iter().filter(|p| !present.iter().any(|q| q.1.len() > p.1.len() && overlaps(p, q))).collect();
    if candidates.is_empty() {
        return title.to_string();
    }
    let &(at, phrase, short) = candidates[rng.below(candidates.len())];
    // Lowercasing can change byte lengths outside ASCII: splice only when it did not.
    if lower.len() != title.len() {
        return title.to_string();
    }
    format!("{}{short}{}", &title[..at], &title[at + phrase.len()..])
}

/// Byte position of `phrase` in `text` where it starts and ends on word boundaries.
fn word_position(text: &str, phrase: &str) -> Option<usize> {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(phrase)
        .map(|(at, _)| at)
        .find(|&at| !is_word(text[..at].chars().next_back()) && !is_word(text[at + phrase.len()..].chars().next()))
}

/// "Finance Manager" -> "Manager, Finance": the head noun first, as ads and the ONS index
/// write many titles. Titles of one word or already holding a comma stay as they are.
pub fn invert_head(title: &str) -> String {
    let words: Vec<&str> = title.split_whitespace().collect();
    if words.len() < 2 || title.contains(',') {
        return title.to_string();
    }
    let (head, rest) = words.split_last().expect("two words or more");
    format!("{head}, {}", rest.join(" "))
}

/// A level word before the title or a level mark after it.
pub fn add_level(title: &str, rng: &mut Rng) -> String {
    if rng.chance(0.5) {
        format!("{} {title}", pick(LEVEL_PREFIXES, rng))
    } else {
        format!("{title} {}", pick(LEVEL_SUFFIXES, rng))
    }
}

/// One tail: shift or contract, location, requisition number, pay or a bracketed qualifier.
pub fn add_tail(title: &str, rng: &mut Rng) -> String {
    let tail = match rng.below(5) {
        0 => pick(SHIFT_TAILS, rng).to_string(),
        1 => pick(LOCATION_TAILS, rng).to_string(),
        2 => requisition(rng),
        3 => pick(PAY_TAILS, rng).to_string(),
        _ => pick(QUALIFIER_TAILS, rng).to_string(),
    };
    format!("{title}{tail}")
}

/// A requisition number in one of the forms applicant-tracking systems print.
fn requisition(rng: &mut Rng) -> String {
    let number = 10_000 + rng.below(90_000);
    match rng.below(4) {
        0 => format!(" #R{number}"),
        1 => format!(" (Req {number})"),
        2 => format!(" - Job ID {number}"),
        _ => format!(" REQ-{number}"),
    }
}

fn pick<'a>(items: &[&'a str], rng: &mut Rng) -> &'a str {
    items[rng.below(items.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_engine::skills::occupation::title_key;

    #[test]
    fn noise_repeats_for_a_seed_always_changes_the_title_and_varies_across_seeds() {
        let title = "Registered Nurse";
        assert_eq!(ad_noise(title, &mut Rng::new(3)), ad_noise(title, &mut Rng::new(3)));
        let variants: std::collections::HashSet<String> = (0..50).map(|s| ad_noise(title, &mut Rng::new(s))).collect();
        assert!(!variants.contains(title));
        assert!(variants.len() > 30, "{variants:?}");
        assert!(variants.iter().any(|v| v.contains("RN")), "the abbreviation rule fires for some seed");
    }

    #[test]
    fn abbreviations_take_the_longest_phrase_on_word_boundaries() {
        let mut rng = Rng::new(1);
        assert_eq!(abbreviate("Certified Nursing Assistant", &mut rng), "CNA");
        let director: std::collections::HashSet<String> =
            (0..20).map(|s| abbreviate("Director of Human Resources", &mut Rng::new(s))).collect();
        let expected = ["Director of HR", "Dir of Human Resources"].map(String::from);
        assert_eq!(director, std::collections::HashSet::from(expected), "one phrase at a time, either one");
        // "manager" inside "managerial" is no word of its own.
        assert_eq!(abbreviate("Managerial Economist", &mut rng), "Managerial Economist");
        assert_eq!(abbreviate("Welder", &mut rng), "Welder");
    }

    #[test]
    fn inversion_puts_the_head_noun_first() {
        assert_eq!(invert_head("Finance Manager"), "Manager, Finance");
        assert_eq!(invert_head("Warehouse Shift Supervisor"), "Supervisor, Warehouse Shift");
        assert_eq!(invert_head("Welder"), "Welder");
        assert_eq!(invert_head("Cooks, Restaurant"), "Cooks, Restaurant");
    }

    /// Tails after a dash, bar or bracket and leading level words are what `title_key`
    /// already strips: on those the noise changes the text but not the occupation.
    #[test]
    fn separated_tails_and_level_prefixes_keep_the_title_key() {
        let title = "Loan Officer";
        for seed in 0..40 {
            let mut rng = Rng::new(seed);
            let tailed = add_tail(title, &mut rng);
            let separated = [" - ", " (", " | "].iter().any(|s| tailed.starts_with(&format!("{title}{s}")));
            if separated {
                assert_eq!(title_key(&tailed), title_key(title), "{tailed}");
            }
        }
        assert_eq!(title_key(&format!("Senior {title}")), title_key(title));
    }
}
