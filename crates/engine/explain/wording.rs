//! The plain-English parts of an explanation: summary, highlights, concerns.

use super::{ExperienceFit, JobFacts, LocationFit, SkillEvidence, Strength};
use crate::location::LocationMatch;

/// How many skill names a sentence lists before "and N more": enough to be specific,
/// short enough to read in a result row.
const NAMES_IN_A_SENTENCE: usize = 5;

fn list(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(NAMES_IN_A_SENTENCE).map(String::as_str).collect();
    match names.len().saturating_sub(NAMES_IN_A_SENTENCE) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

fn strength_word(s: Strength) -> &'static str {
    match s {
        Strength::Strong => "Strong",
        Strength::Moderate => "Moderate",
        Strength::Weak => "Weak",
        Strength::Missing => "Poor",
    }
}

/// One sentence: strength, skill coverage, level and place.
pub fn summary(
    strength: Strength,
    job: &JobFacts,
    skills: &SkillEvidence,
    experience: &ExperienceFit,
    location: &LocationFit,
) -> String {
    let mut parts = Vec::new();
    let asked = skills.matched.len() + skills.missing.len() + skills.related.len();
    if asked > 0 {
        parts.push(format!("{} of {} job skills matched", skills.matched.len(), asked));
    }
    match (experience.candidate, experience.required, experience.score) {
        (Some(c), Some(r), Some(s)) if s >= 1.0 => parts.push(format!("{} level meets {}", c.name(), r.name())),
        (Some(c), Some(r), Some(_)) => parts.push(format!("{} level below {}", c.name(), r.name())),
        _ => {}
    }
    parts.push(
        match location.kind {
            LocationMatch::Remote => "remote role",
            LocationMatch::SameCity => "same city",
            LocationMatch::SameMetroArea => "same metro area",
            LocationMatch::SameCountry => "same country",
            LocationMatch::Elsewhere => "different location",
            LocationMatch::Unknown => "location unknown",
        }
        .to_string(),
    );
    let title = job.title.as_deref().map(|t| format!(" for {t}")).unwrap_or_default();
    format!("{} match{title}: {}.", strength_word(strength), parts.join("; "))
}

/// What speaks for the candidate.
pub fn highlights(skills: &SkillEvidence, experience: &ExperienceFit, location: &LocationFit) -> Vec<String> {
    let mut out = Vec::new();
    if !skills.matched.is_empty() {
        out.push(format!("Has {} of the job's skills: {}", skills.matched.len(), list(&skills.matched)));
    }
    if !skills.related.is_empty() {
        let pairs: Vec<String> = skills.related.iter().map(|r| format!("{} (for {})", r.resume, r.job)).collect();
        out.push(format!("Related experience: {}", list(&pairs)));
    }
    if let (Some(c), Some(r), Some(s)) = (experience.candidate, experience.required, experience.score) {
        if s >= 1.0 {
            out.push(format!("Experience level {} meets the required {}", c.name(), r.name()));
        }
    }
    match (location.kind, &location.job) {
        (LocationMatch::Remote, _) => out.push("The role is remote".to_string()),
        (LocationMatch::SameCity, Some(place)) => out.push(format!("Based where the job is ({place})")),
        (LocationMatch::SameMetroArea, Some(place)) => out.push(format!("Lives within commuting distance of {place}")),
        _ => {}
    }
    if let Some(o) =
        skills.occupation.as_ref().filter(|o| !o.typical_skills.is_empty() && o.confidence >= NAMED_OCCUPATION_CONFIDENCE)
    {
        out.push(format!(
            "Skills typical of {} (the job's likely occupation, {:.0} % sure): {}",
            o.title,
            o.confidence * 100.0,
            list(&o.typical_skills)
        ));
    }
    if !skills.bonus.is_empty() {
        out.push(format!("Also brings: {}", list(&skills.bonus)));
    }
    out
}

/// How sure occupation inference must be before a highlight names the occupation: below it
/// the JSON still carries the guess and its confidence, but a sentence saying "typical of
/// <occupation>" would assert what inference doubts. 0.3: about one title in two whose top
/// guess scores this is right (calibration on the dev tracks, README); chosen by hand.
pub const NAMED_OCCUPATION_CONFIDENCE: f32 = 0.3;

/// What speaks against the candidate, or what could not be checked.
pub fn concerns(
    skills: &SkillEvidence,
    experience: &ExperienceFit,
    location: &LocationFit,
    remote_ok: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if skills.score.is_none() {
        out.push("The job text names no skills the taxonomy knows, so skills could not be compared".to_string());
    }
    if !skills.missing.is_empty() {
        out.push(format!("Missing skills: {}", list(&skills.missing)));
    }
    if let (Some(c), Some(r), Some(s)) = (experience.candidate, experience.required, experience.score) {
        if s < 1.0 {
            let gap = if c.steps_below(r) == 1 { "one level below" } else { "two or more levels below" };
            out.push(format!("The job asks for {} level; the candidate is {} ({gap})", r.name(), c.name()));
        }
    }
    if location.kind == LocationMatch::Elsewhere {
        let job = location.job.as_deref().unwrap_or("elsewhere");
        let candidate = location.candidate.as_deref().unwrap_or("unknown");
        let remote = if remote_ok { "; the candidate is open to remote work" } else { "" };
        out.push(format!("The job is in {job}, the candidate in {candidate}{remote}"));
    }
    out
}
