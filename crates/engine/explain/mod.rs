//! The match explainer: turns the evidence behind a (resume, job) score into the
//! `explanation` JSON of the design (README, "Decisions": explanations): strength, summary, highlights, concerns, and the
//! skills / experience / location breakdowns.

mod wording;

use serde::Serialize;

use super::experience::{experience_fit, ExperienceLevel};
use super::location::{location_match, LocationMatch, Place};
use super::occupations::guess::OccupationGuess;

/// Skill evidence with names resolved, as the skill graph scored it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SkillEvidence {
    pub matched: Vec<String>,
    pub missing: Vec<String>,
    pub related: Vec<RelatedSkill>,
    pub bonus: Vec<String>,
    /// The skill stage's score: coverage of the job's skills combined with occupation fit
    /// (`skills::occupation`). None when neither can be computed: nothing to compare.
    pub score: Option<f32>,
    /// How typical the candidate's skills are of the job's inferred occupation, when it has
    /// one the taxonomy profiles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupation: Option<OccupationEvidence>,
}

/// The occupation a job most likely is (occupation inference) and how the candidate's skills
/// fit the profiles of its inferred occupations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OccupationEvidence {
    /// The most likely occupation.
    pub title: String,
    /// How sure inference is that the job is `title`.
    pub confidence: f32,
    /// The fit, expected over the inferred occupations.
    pub fit: f32,
    /// How much of the inferred distribution the fit covers (its weight in the skill score).
    pub fit_confidence: f32,
    /// The candidate's skills that the occupation's profile holds.
    pub typical_skills: Vec<String>,
    /// The occupation the resume most likely is (from the titles it states and its skills),
    /// when the match used it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate: Option<OccupationGuess>,
}

/// A job skill the candidate lacks but comes close to through a related skill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelatedSkill {
    pub resume: String,
    pub job: String,
    pub similarity: f32,
}

/// What the explainer needs to know about the job.
#[derive(Debug, Clone, Default)]
pub struct JobFacts {
    pub title: Option<String>,
    /// The job's inferred occupations (`resonance.job_occupations`), most likely first.
    pub occupations: Vec<OccupationGuess>,
    pub level: Option<ExperienceLevel>,
    pub place: Place,
    pub remote: bool,
}

/// What the explainer needs to know about the candidate.
#[derive(Debug, Clone, Default)]
pub struct CandidateFacts {
    /// The resume's inferred occupations (`resonance.resumes.occupations`), most likely first.
    pub occupations: Vec<OccupationGuess>,
    pub level: Option<ExperienceLevel>,
    pub years: Option<f32>,
    pub place: Place,
    pub remote_ok: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    Strong,
    Moderate,
    Weak,
    Missing,
}

impl Strength {
    /// The seed's thresholds: strong >= 0.8, moderate >= 0.5, weak >= 0.2.
    pub fn of(score: f32) -> Self {
        match score {
            s if s >= 0.8 => Self::Strong,
            s if s >= 0.5 => Self::Moderate,
            s if s >= 0.2 => Self::Weak,
            _ => Self::Missing,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ExperienceFit {
    pub required: Option<ExperienceLevel>,
    pub candidate: Option<ExperienceLevel>,
    pub candidate_years: Option<f32>,
    /// 1.0 / 0.7 / 0.4 by levels below the requirement; None when either level is unknown.
    pub score: Option<f32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocationFit {
    pub job: Option<String>,
    pub candidate: Option<String>,
    pub remote: bool,
    #[serde(rename = "match")]
    pub kind: LocationMatch,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub overall_score: f32,
    pub overall_strength: Strength,
    pub summary: String,
    pub highlights: Vec<String>,
    pub concerns: Vec<String>,
    pub skills: SkillEvidence,
    pub experience: ExperienceFit,
    pub location: LocationFit,
}

impl Explanation {
    /// The explanation as JSON, scores rounded to 4 decimals: f32 scores widened to JSON's
    /// f64 would otherwise print as 0.8423755168914795.
    pub fn to_json(&self) -> serde_json::Value {
        round_floats(serde_json::to_value(self).expect("an explanation always serialises"))
    }
}

fn round_floats(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            let x = (n.as_f64().unwrap_or(0.0) * 1e4).round() / 1e4;
            serde_json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(round_floats).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, round_floats(v))).collect()),
        other => other,
    }
}

/// Explains a match whose fused score is `overall_score`.
pub fn explain(overall_score: f32, skills: SkillEvidence, job: &JobFacts, candidate: &CandidateFacts) -> Explanation {
    let experience = experience_of(job, candidate);
    let location = location_of(job, candidate);
    let strength = Strength::of(overall_score);
    Explanation {
        overall_score,
        overall_strength: strength,
        summary: wording::summary(strength, job, &skills, &experience, &location),
        highlights: wording::highlights(&skills, &experience, &location),
        concerns: wording::concerns(&skills, &experience, &location, candidate.remote_ok),
        skills,
        experience,
        location,
    }
}

fn experience_of(job: &JobFacts, candidate: &CandidateFacts) -> ExperienceFit {
    // A resume that states years but no level is placed on the ladder by its years.
    let level = candidate.level.or(candidate.years.map(ExperienceLevel::from_years));
    let score = match (level, job.level) {
        (Some(c), Some(r)) => Some(experience_fit(c, r)),
        _ => None,
    };
    ExperienceFit { required: job.level, candidate: level, candidate_years: candidate.years, score }
}

fn location_of(job: &JobFacts, candidate: &CandidateFacts) -> LocationFit {
    let kind = location_match(&job.place, job.remote, &candidate.place);
    LocationFit {
        job: job.place.label(),
        candidate: candidate.place.label(),
        remote: job.remote,
        kind,
        score: kind.score(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend_job() -> JobFacts {
        JobFacts {
            title: Some("Senior Backend Engineer".into()),
            level: Some(ExperienceLevel::Senior),
            place: Place::new(Some("Berlin"), Some("Germany")),
            remote: false,
            occupations: Vec::new(),
        }
    }

    fn evidence() -> SkillEvidence {
        SkillEvidence {
            matched: vec!["Python".into(), "Django".into()],
            missing: vec!["Kubernetes".into()],
            related: vec![RelatedSkill { resume: "Docker".into(), job: "Podman".into(), similarity: 0.6 }],
            bonus: vec!["Celery".into()],
            score: Some(0.75),
            occupation: Some(OccupationEvidence {
                title: "Software Developers".into(),
                confidence: 0.9,
                fit: 0.8,
                fit_confidence: 0.95,
                typical_skills: vec!["Python".into(), "Celery".into()],
                candidate: None,
            }),
        }
    }

    #[test]
    fn strength_thresholds() {
        assert_eq!(Strength::of(0.8), Strength::Strong);
        assert_eq!(Strength::of(0.79), Strength::Moderate);
        assert_eq!(Strength::of(0.5), Strength::Moderate);
        assert_eq!(Strength::of(0.2), Strength::Weak);
        assert_eq!(Strength::of(0.19), Strength::Missing);
    }

    #[test]
    fn a_good_match_reads_as_one() {
        let candidate = CandidateFacts {
            level: Some(ExperienceLevel::Senior),
            years: Some(8.0),
            place: Place::new(Some("Berlin"), Some("Germany")),
            remote_ok: false,
            ..CandidateFacts::default()
        };
        let e = explain(0.82, evidence(), &backend_job(), &candidate);
        assert_eq!(e.overall_strength, Strength::Strong);
        assert_eq!(e.experience.score, Some(1.0));
        assert_eq!(e.location.score, 1.0);
        assert!(e.summary.starts_with("Strong match"), "{}", e.summary);
        assert!(e.highlights.iter().any(|h| h.contains("Python") && h.contains("Django")), "{:?}", e.highlights);
        assert!(
            e.highlights.iter().any(|h| h == "Skills typical of Software Developers (the job's likely occupation, 90 % sure): Python, Celery"),
            "{:?}",
            e.highlights
        );
        assert!(e.concerns.iter().any(|c| c.contains("Kubernetes")), "{:?}", e.concerns);
        assert!(!e.concerns.iter().any(|c| c.contains("level")), "{:?}", e.concerns);
        // A doubtful guess stays in the JSON but no sentence asserts it.
        let mut doubtful = evidence();
        doubtful.occupation.as_mut().unwrap().confidence = 0.1;
        let e = explain(0.82, doubtful, &backend_job(), &candidate);
        assert!(!e.highlights.iter().any(|h| h.starts_with("Skills typical of")), "{:?}", e.highlights);
        assert!((e.to_json()["skills"]["occupation"]["confidence"].as_f64().unwrap() - 0.1).abs() < 1e-6);
    }

    #[test]
    fn gaps_become_concerns() {
        let candidate = CandidateFacts {
            level: None,
            years: Some(1.5), // junior by years: two levels below senior
            place: Place::new(Some("Paris"), Some("France")),
            remote_ok: true,
            ..CandidateFacts::default()
        };
        let e = explain(0.3, evidence(), &backend_job(), &candidate);
        assert_eq!(e.experience.candidate, Some(ExperienceLevel::Junior));
        assert_eq!(e.experience.score, Some(0.4));
        assert_eq!(e.location.kind, LocationMatch::Elsewhere);
        assert!(e.concerns.iter().any(|c| c.contains("senior") && c.contains("junior")), "{:?}", e.concerns);
        assert!(e.concerns.iter().any(|c| c.contains("Berlin")), "{:?}", e.concerns);
    }

    #[test]
    fn serializes_to_the_contract_shape() {
        let json = explain(0.6, evidence(), &backend_job(), &CandidateFacts::default()).to_json();
        for key in [
            "overall_score",
            "overall_strength",
            "summary",
            "highlights",
            "concerns",
            "skills",
            "experience",
            "location",
        ] {
            assert!(json.get(key).is_some(), "missing {key}");
        }
        assert_eq!(json["overall_strength"], "moderate");
        assert_eq!(json["skills"]["occupation"]["title"], "Software Developers");
        let without = SkillEvidence { occupation: None, ..evidence() };
        let json = explain(0.6, without, &backend_job(), &CandidateFacts::default()).to_json();
        assert!(json["skills"].get("occupation").is_none(), "an unknown occupation is left out");
        assert_eq!(json["overall_score"], serde_json::json!(0.6));
        assert_eq!(json["skills"]["related"][0]["resume"], "Docker");
        assert_eq!(json["location"]["match"], "unknown");
        assert_eq!(json["experience"]["required"], "senior");
    }

    #[test]
    fn no_skill_evidence_is_said_not_hidden() {
        let e = explain(0.5, SkillEvidence::default(), &JobFacts::default(), &CandidateFacts::default());
        assert!(e.concerns.iter().any(|c| c.contains("skills")), "{:?}", e.concerns);
    }
}
