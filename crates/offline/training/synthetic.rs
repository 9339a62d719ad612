//! Synthetic resumes and job postings written from an occupation profile, the texts the
//! cross-encoder trains on. They follow the shapes of the project's benchmark
//! (shared/eval/README.md): a posting is "title. intro, duties, activities or required
//! skills"; a resume is a summary without the title, past-tense experience and skills.
//! Wording varies a little per text: seniority, alternative titles and skill labels,
//! occasional EDA edits of a line and a dropped section.
//!
//! A resume and a posting of one occupation draw their duties from disjoint pools
//! ([`split_duties`]), so a positive pair never matches on a copied line.

use super::augmentation::{drop_section, eda, DROPPABLE_SECTIONS, EDA_ALPHA};
use super::occupations::{SourceOccupation, Classification};
use resonance_engine::rng::Rng;
use crate::evaluation::benchmark::TITLE_SEPARATOR;

/// How often a line gets an EDA edit, a skill or title its alternative wording, and a
/// resume loses a section. 0.15: "vary a little"; most text stays as the sources word it,
/// which is also how the benchmark's texts read.
pub const WORDING_CHANGE: f64 = 0.15;

/// Openings of a resume's summary, the `{}` being the years of experience.
const SUMMARIES: [&str; 6] = [
    "Experienced professional with {} years in the field.",
    "Motivated specialist with {} years of hands-on experience.",
    "Reliable team member bringing {} years of experience.",
    "Results-driven worker with {} years of practice, seeking a new role.",
    "Professional with {} years of experience and a record of dependable work.",
    "Skilled practitioner, {} years of experience, open to new opportunities.",
];

/// Openings of a posting's description.
const INTROS: [&str; 6] = [
    "Join our growing team.",
    "We are hiring for a permanent position.",
    "An established employer is looking for a new colleague.",
    "Apply now to join a friendly, professional team.",
    "We have an opening in our operations group.",
    "Our client is recruiting for this role.",
];

/// Headers of a posting's duty list.
const DUTY_HEADERS: [&str; 3] = ["Responsibilities:", "What you will do:", "Duties:"];

/// Headers of a posting's required-skill list (ESCO).
const SKILL_HEADERS: [&str; 3] = ["Required skills:", "Requirements:", "What you bring:"];

/// Seniority words put before a posting's title now and then.
const SENIORITY: [&str; 3] = ["Junior", "Senior", "Lead"];

/// Duties per text, as (fewest, most). Postings list 3-6 duties and resumes 2-5, like the
/// benchmark's 4-7 and 3-6 but one shorter: training truncates pairs at 128 tokens.
const ONET_JOB_DUTIES: (usize, usize) = (3, 6);
const ONET_RESUME_DUTIES: (usize, usize) = (2, 5);
/// DWA titles listed per text at most (the benchmark lists those of the chosen tasks).
const MAX_ACTIVITIES: usize = 5;
/// Share of its pool an ESCO text names, as (least, most): the benchmark's postings name
/// 60 % of the essential skills and its resumes 40-60 %; a pool is half of them.
const ESCO_JOB_SHARE: (f64, f64) = (0.7, 1.0);
const ESCO_RESUME_SHARE: (f64, f64) = (0.6, 1.0);
/// Unrelated skills added to an ESCO resume, as (fewest, most): the benchmark adds 2-4
/// as noise; one fewer here since the resumes are shorter.
const ESCO_NOISE_SKILLS: (usize, usize) = (1, 3);

/// Splits duty indices 0..count into two disjoint pools, resume side and job side, in
/// random order; the resume side gets the smaller half when the count is odd.
pub fn split_duties(count: usize, rng: &mut Rng) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..count).collect();
    rng.shuffle(&mut order);
    let job_side = order.split_off(count / 2);
    (order, job_side)
}

/// A resume of `profile` using only the duties in `pool`; `noise_skills` are skills of
/// other occupations an ESCO resume may list as well.
pub fn resume_text(profile: &SourceOccupation, pool: &[usize], noise_skills: &[&str], rng: &mut Rng) -> String {
    let summary = SUMMARIES[rng.below(SUMMARIES.len())].replace("{}", &(1 + rng.below(20)).to_string());
    match profile.taxonomy {
        Classification::Onet => {
            let chosen = choose(pool, ONET_RESUME_DUTIES, rng);
            let experience: Vec<String> =
                chosen.iter().map(|&d| reword(&past_tense(&profile.duties[d].text), rng)).collect();
            let skills = activities(profile, &chosen);
            let skills_line = if rng.chance(0.5) { format!(" {}", skills.join("; ")) } else { bullets(&skills) };
            let text = format!("{summary}\n\nExperience:{}\n\nSkills:{skills_line}\n", bullets(&experience));
            if rng.chance(WORDING_CHANGE) {
                drop_section(&text, &DROPPABLE_SECTIONS, rng)
            } else {
                text
            }
        }
        Classification::Esco => {
            let mut skills = skill_labels(profile, &choose_share(pool, ESCO_RESUME_SHARE, rng), rng);
            let own: Vec<&str> = profile.duties.iter().map(|d| d.text.as_str()).collect();
            let noise: Vec<&str> = noise_skills.iter().copied().filter(|s| !own.contains(s)).collect();
            if !noise.is_empty() {
                let wanted = ESCO_NOISE_SKILLS.0 + rng.below(ESCO_NOISE_SKILLS.1 - ESCO_NOISE_SKILLS.0 + 1);
                for _ in 0..wanted {
                    skills.insert(rng.below(skills.len() + 1), noise[rng.below(noise.len())].to_owned());
                }
            }
            format!("{summary}\n\nSkills:{}\n", bullets(&skills))
        }
    }
}

/// A job posting of `profile` using only the duties in `pool`: "title. description", as
/// the benchmark's `Job::text` joins them.
pub fn job_text(profile: &SourceOccupation, pool: &[usize], rng: &mut Rng) -> String {
    let title = posting_title(profile, rng);
    let description = match profile.taxonomy {
        Classification::Onet => {
            let chosen = choose(pool, ONET_JOB_DUTIES, rng);
            let duties: Vec<String> = chosen.iter().map(|&d| reword(&profile.duties[d].text, rng)).collect();
            format!(
                "{}\n\n{}{}\n\nKey activities:{}",
                INTROS[rng.below(INTROS.len())],
                DUTY_HEADERS[rng.below(DUTY_HEADERS.len())],
                bullets(&duties),
                bullets(&activities(profile, &chosen))
            )
        }
        Classification::Esco => {
            let skills = skill_labels(profile, &choose_share(pool, ESCO_JOB_SHARE, rng), rng);
            let intro = profile.description.clone().unwrap_or_else(|| INTROS[rng.below(INTROS.len())].to_owned());
            format!("{intro}\n\n{}{}", SKILL_HEADERS[rng.below(SKILL_HEADERS.len())], bullets(&skills))
        }
    };
    format!("{title}{TITLE_SEPARATOR}{description}")
}

/// The posting's title: the occupation's title or now and then an alternative one,
/// sometimes with a seniority word, first letter capitalised.
fn posting_title(profile: &SourceOccupation, rng: &mut Rng) -> String {
    let base = if !profile.other_titles.is_empty() && rng.chance(WORDING_CHANGE) {
        &profile.other_titles[rng.below(profile.other_titles.len())]
    } else {
        &profile.title
    };
    let title =
        if rng.chance(0.3) { format!("{} {base}", SENIORITY[rng.below(SENIORITY.len())]) } else { base.clone() };
    capitalise(&title)
}

/// Between `range.0` and `range.1` distinct entries of `pool` (as many as it has at most),
/// in random order.
fn choose(pool: &[usize], range: (usize, usize), rng: &mut Rng) -> Vec<usize> {
    let most = range.1.min(pool.len());
    let fewest = range.0.min(most);
    let count = fewest + rng.below(most - fewest + 1);
    let mut shuffled = pool.to_vec();
    rng.shuffle(&mut shuffled);
    shuffled.truncate(count);
    shuffled
}

/// A random share of `pool` between `share.0` and `share.1` (at least one entry).
fn choose_share(pool: &[usize], share: (f64, f64), rng: &mut Rng) -> Vec<usize> {
    let fraction = share.0 + (share.1 - share.0) * rng.uniform();
    let count = ((pool.len() as f64 * fraction).round() as usize).clamp(1.min(pool.len()), pool.len());
    choose(pool, (count, count), rng)
}

/// The distinct DWA titles of the chosen tasks, at most [`MAX_ACTIVITIES`], without the
/// final full stop (the benchmark lists them that way).
fn activities(profile: &SourceOccupation, chosen: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for activity in chosen.iter().flat_map(|&d| &profile.duties[d].activities) {
        let activity = activity.trim_end_matches('.').to_owned();
        if out.len() < MAX_ACTIVITIES && !out.contains(&activity) {
            out.push(activity);
        }
    }
    out
}

/// The labels of the chosen skills, each now and then in an alternative wording.
fn skill_labels(profile: &SourceOccupation, chosen: &[usize], rng: &mut Rng) -> Vec<String> {
    chosen
        .iter()
        .map(|&d| {
            let duty = &profile.duties[d];
            if !duty.alternatives.is_empty() && rng.chance(WORDING_CHANGE) {
                duty.alternatives[rng.below(duty.alternatives.len())].clone()
            } else {
                duty.text.clone()
            }
        })
        .collect()
}

/// A line now and then changed by one EDA operation.
fn reword(line: &str, rng: &mut Rng) -> String {
    if rng.chance(WORDING_CHANGE) {
        eda(line, EDA_ALPHA, rng)
    } else {
        line.to_owned()
    }
}

/// Lines as a bulleted list, each on its own line after a newline.
fn bullets(lines: &[String]) -> String {
    lines.iter().map(|l| format!("\n- {l}")).collect()
}

/// `text` with its first letter in upper case.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Irregular or consonant-doubling past tenses of verbs that open O*NET tasks; others
/// follow the regular rules of [`past_tense`].
const IRREGULAR_PAST: [(&str, &str); 24] = [
    ("Build", "Built"),
    ("Buy", "Bought"),
    ("Choose", "Chose"),
    ("Cut", "Cut"),
    ("Drive", "Drove"),
    ("Feed", "Fed"),
    ("Find", "Found"),
    ("Give", "Gave"),
    ("Hold", "Held"),
    ("Keep", "Kept"),
    ("Lay", "Laid"),
    ("Lead", "Led"),
    ("Make", "Made"),
    ("Meet", "Met"),
    ("Pay", "Paid"),
    ("Plan", "Planned"),
    ("Put", "Put"),
    ("Run", "Ran"),
    ("Sell", "Sold"),
    ("Send", "Sent"),
    ("Set", "Set"),
    ("Ship", "Shipped"),
    ("Teach", "Taught"),
    ("Write", "Wrote"),
];

/// A task ("Inspect equipment.") as a resume line ("Inspected equipment."): the opening
/// verb in the past tense by the regular rules or [`IRREGULAR_PAST`]. Crude on purpose;
/// a line that does not open with a plain word is left as it is.
pub fn past_tense(task: &str) -> String {
    let task = task.trim();
    let verb_end = task.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(task.len());
    let (verb, rest) = task.split_at(verb_end);
    if verb.len() < 2 {
        return task.to_owned();
    }
    if let Some((_, past)) = IRREGULAR_PAST.iter().find(|(present, _)| *present == verb) {
        return format!("{past}{rest}");
    }
    let before_last = verb.as_bytes()[verb.len() - 2];
    let past = if verb.ends_with('e') {
        format!("{verb}d")
    } else if verb.ends_with('y') && !b"aeiou".contains(&before_last) {
        format!("{}ied", &verb[..verb.len() - 1])
    } else {
        format!("{verb}ed")
    };
    format!("{past}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::occupations::Duty;

    fn duty(text: &str, activities: &[&str]) -> Duty {
        Duty {
            text: text.into(),
            activities: activities.iter().map(|a| a.to_string()).collect(),
            alternatives: Vec::new(),
        }
    }

    fn onet_profile() -> SourceOccupation {
        SourceOccupation {
            key: "15-1252.00".into(),
            taxonomy: Classification::Onet,
            title: "Software Developers".into(),
            other_titles: Vec::new(),
            description: None,
            duties: (0..10).map(|i| duty(&format!("Write module{i} code."), &[&format!("Program part{i}.")])).collect(),
        }
    }

    fn esco_profile() -> SourceOccupation {
        SourceOccupation {
            key: "http://e/o/1".into(),
            taxonomy: Classification::Esco,
            title: "database designer".into(),
            other_titles: vec!["data modeller".into()],
            description: Some("Database designers specify databases.".into()),
            duties: (0..10).map(|i| duty(&format!("skill{i}"), &[])).collect(),
        }
    }

    #[test]
    fn pools_are_disjoint_and_cover_every_duty() {
        let (resume_side, job_side) = split_duties(9, &mut Rng::new(3));
        assert_eq!((resume_side.len(), job_side.len()), (4, 5));
        let mut all: Vec<usize> = resume_side.iter().chain(&job_side).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..9).collect::<Vec<_>>());
        assert_eq!(split_duties(0, &mut Rng::new(3)), (vec![], vec![]));
    }

    #[test]
    fn onet_texts_use_only_their_pool() {
        let profile = onet_profile();
        let (resume_side, job_side) = split_duties(profile.duties.len(), &mut Rng::new(1));
        for seed in 0..20 {
            let resume = resume_text(&profile, &resume_side, &[], &mut Rng::new(seed));
            let job = job_text(&profile, &job_side, &mut Rng::new(seed));
            assert!(job.contains("Software Developers "), "{job}");
            assert!(!resume.contains("Software Developers"), "a resume does not name the title");
            for &d in &job_side {
                assert!(!resume.contains(&format!("module{d} ")), "job-side duty {d} in the resume: {resume}");
            }
            for &d in &resume_side {
                assert!(!job.contains(&format!("module{d} ")), "resume-side duty {d} in the job: {job}");
            }
        }
    }

    #[test]
    fn esco_texts_list_skills_and_noise_from_elsewhere() {
        let profile = esco_profile();
        let (resume_side, job_side) = split_duties(profile.duties.len(), &mut Rng::new(1));
        let resume = resume_text(&profile, &resume_side, &["skill3", "noise skill"], &mut Rng::new(2));
        assert!(resume.contains("\n- noise skill"), "{resume}");
        let job = job_text(&profile, &job_side, &mut Rng::new(2));
        assert!(job.contains("Database designers specify databases."), "{job}");
        let listed: Vec<&str> = job.lines().filter_map(|l| l.strip_prefix("- ")).collect();
        assert!(listed.len() >= 4, "at least 70 % of a 5-skill pool: {job}");
        let job_skills: Vec<String> = job_side.iter().map(|d| format!("skill{d}")).collect();
        assert!(listed.iter().all(|s| job_skills.iter().any(|j| j == s)), "only job-side skills: {job}");
    }

    #[test]
    fn texts_repeat_for_a_seed() {
        let profile = onet_profile();
        let pool: Vec<usize> = (0..5).collect();
        assert_eq!(
            resume_text(&profile, &pool, &[], &mut Rng::new(7)),
            resume_text(&profile, &pool, &[], &mut Rng::new(7))
        );
        assert_eq!(job_text(&profile, &pool, &mut Rng::new(7)), job_text(&profile, &pool, &mut Rng::new(7)));
    }

    #[test]
    fn empty_pools_give_texts_without_duties() {
        let resume = resume_text(&onet_profile(), &[], &[], &mut Rng::new(1));
        assert!(!resume.contains("module"));
        let job = job_text(&esco_profile(), &[], &mut Rng::new(1));
        assert!(job.contains("Database designers specify databases."));
        assert!(!job.contains("- skill"), "{job}");
    }

    #[test]
    fn past_tense_rules() {
        assert_eq!(past_tense("Inspect equipment."), "Inspected equipment.");
        assert_eq!(past_tense("Prepare reports."), "Prepared reports.");
        assert_eq!(past_tense("Identify risks."), "Identified risks.");
        assert_eq!(past_tense("Survey sites."), "Surveyed sites.");
        assert_eq!(past_tense("Write code."), "Wrote code.");
        assert_eq!(past_tense("Plan, direct, or coordinate."), "Planned, direct, or coordinate.");
        assert_eq!(past_tense("- odd line"), "- odd line");
        assert_eq!(past_tense(""), "");
    }
}
