//! Occupation fit: how typical a resume's skills are of the occupation a job is.
//!
//! A posting lists a handful of skills; the taxonomy knows the occupation's whole profile
//! (kg_title_skills: an O*NET occupation's work activities, an ESCO occupation's essential
//! skills). So besides "does the resume have the skills this posting lists" (`score`), the
//! skill stage asks "are the resume's skills the ones people in this occupation have":
//!
//!   fit = sum over distinct resume skills of credit / number of resume skills
//!
//! where credit is 1 for a skill in the profile, else the weight of its strongest direct
//! relation to a profile skill, capped and floored like `score`'s partial credit. When the
//! resume's own occupations are known (inferred from the titles it states and its skills),
//! the fit is at least the resume's affinity to the occupation ([`ResumeFits`]). A resume with
//! neither skills nor occupations has no fit (None).
//!
//! Which occupation a job is comes from occupation inference (`crate::occupations`), stored
//! per job as guesses with confidences: the fit is its expectation over the guesses the
//! taxonomy has a profile for, and it takes a share of the skill stage in proportion to the
//! confidence those guesses hold ([`combined_skill_score`]). An unusual title spreads its
//! confidence and its fit counts less; no exact-title lookup decides it.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use super::graph::SkillGraph;
use super::score::ScoreParams;
use super::SkillId;
use crate::normalize::{normalize_title, stem};
use crate::occupations::expected_fit::expected_fit;
use crate::occupations::guess::OccupationGuess;
use crate::occupations::inference::Inferred;

/// Share of the skill-stage score that occupation fit takes when both parts exist and the
/// job's occupation is certain (less in proportion to the confidence); the rest is the
/// posting's own skill coverage. Measured on the dev benchmark with fusion weights
/// bi 0.6 / skills 0.4 (nDCG@10 onet, esco_ict): share 0 gives 0.493, 0.784; 0.5 gives 0.682,
/// 0.933; 0.75 gives 0.726, 0.960; 1.0 gives 0.745, 0.965. 0.75 keeps the posting's own
/// list (what the explanation shows as matched and missing) a real part of the score.
pub const OCCUPATION_FIT_SHARE: f32 = 0.75;

/// Leading words of a job title that state its level, not its occupation.
const LEVEL_WORDS: &[&str] =
    &["junior", "jr", "senior", "sr", "lead", "principal", "staff", "mid", "entry", "level", "trainee", "intern"];

/// The key under which a title is looked up: the title without qualifiers (a parenthesis,
/// or what follows " - " or " | "), lowercase words, leading level words dropped, each word
/// stemmed ("Senior Data Engineers", "data engineer" and "Data Engineer (Spark) - Berlin"
/// share one key). Not cut at commas: O*NET titles use them ("Sales Representatives,
/// Wholesale and Manufacturing, ..."), and cutting there merges 22 of its occupations.
pub fn title_key(title: &str) -> String {
    let mut core = String::with_capacity(title.len());
    let mut depth = 0usize;
    for c in title.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => core.push(c),
            _ => {}
        }
    }
    let core = [" - ", " | ", " – "].iter().fold(core.as_str(), |t, sep| t.split(sep).next().unwrap_or(t));
    let normalized = normalize_title(core);
    let words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
    let start = words.iter().position(|w| !LEVEL_WORDS.contains(w)).unwrap_or(words.len());
    words[start..].iter().map(|w| stem(w)).collect::<Vec<_>>().join(" ")
}

/// An occupation's name and the skills its profile holds.
#[derive(Debug, Clone)]
pub struct OccupationProfile {
    pub name: String,
    pub skills: Vec<SkillId>,
}

/// The profiles, found by [`title_key`]. Titles sharing a key (the same occupation in O*NET
/// and ESCO) pool their skills under the first one's name.
#[derive(Debug, Default)]
pub struct Occupations {
    by_key: HashMap<String, usize>,
    names: Vec<String>,
    skills: Vec<HashSet<SkillId>>,
}

impl Occupations {
    pub fn new(profiles: &[OccupationProfile]) -> Self {
        let mut out = Occupations::default();
        for p in profiles {
            let key = title_key(&p.name);
            if key.is_empty() {
                continue;
            }
            let at = *out.by_key.entry(key).or_insert_with(|| {
                out.names.push(p.name.clone());
                out.skills.push(HashSet::new());
                out.names.len() - 1
            });
            out.skills[at].extend(p.skills.iter().copied());
        }
        out
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The occupation a job title names, if the taxonomy knows it.
    pub fn find(&self, title: &str) -> Option<usize> {
        self.by_key.get(&title_key(title)).copied().filter(|&i| !self.skills[i].is_empty())
    }

    /// The guesses whose occupation has a profile here, as positions in this list.
    pub fn resolve(&self, guesses: &[OccupationGuess]) -> Vec<Inferred> {
        guesses
            .iter()
            .filter_map(|g| self.find(&g.occupation).map(|occupation| Inferred { occupation, confidence: g.confidence }))
            .collect()
    }

    pub fn name(&self, occupation: usize) -> &str {
        &self.names[occupation]
    }
}

/// A resume's skills with each one's direct relations, strongest first: computed once per
/// resume, then checked against each job's occupation.
pub struct ResumeSkills {
    skills: Vec<(SkillId, Vec<(SkillId, f64)>)>,
}

impl ResumeSkills {
    /// `skills` without repeats, each with its direct relations of at least
    /// `min_related_similarity`, strongest first. Ids must be in `graph` (the caller's own
    /// extractor produced them); an unknown id simply has no relations.
    pub fn new(graph: &SkillGraph, skills: &[SkillId], params: &ScoreParams) -> Self {
        let mut seen = HashSet::new();
        let skills = skills
            .iter()
            .filter(|s| seen.insert(**s))
            .map(|&s| {
                let mut near: Vec<(SkillId, f64)> =
                    graph.neighbours(s).filter(|&(_, w)| w >= params.min_related_similarity).collect();
                near.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                (s, near)
            })
            .collect();
        ResumeSkills { skills }
    }

    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }
}

/// How a resume fits one occupation.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupationFit {
    /// In [0, 1].
    pub score: f32,
    /// The resume's skills that the occupation's profile holds, in resume order.
    pub typical: Vec<SkillId>,
}

/// The fit of `resume` to `occupation` (see the module comment); None for a resume without
/// skills.
pub fn occupation_fit(
    occupations: &Occupations,
    occupation: usize,
    resume: &ResumeSkills,
    params: &ScoreParams,
) -> Option<OccupationFit> {
    if resume.is_empty() {
        return None;
    }
    let profile = &occupations.skills[occupation];
    let mut earned = 0.0;
    let mut typical = Vec::new();
    for (skill, near) in &resume.skills {
        if profile.contains(skill) {
            earned += 1.0;
            typical.push(*skill);
        } else if let Some((_, weight)) = near.iter().find(|(n, _)| profile.contains(n)) {
            earned += weight.min(params.partial_credit_cap);
        }
    }
    Some(OccupationFit { score: (earned / resume.skills.len() as f64) as f32, typical })
}

/// One resume's fits to occupations, each computed once: the candidates of one match share
/// a few occupations, and computing the fit per job and guess was 9 % of a match's time.
///
/// With the resume's own inferred occupations (from the titles it states and the skills it
/// names, stored on write), an occupation's fit is at least the resume's affinity to it:
/// the confidence the resume is that occupation, or one whose profile is like it
/// ([`profile_similarity`]). A nurse whose resume says "Registered Nurse" but names
/// skills the O*NET profile lacks ("ACLS") still fits a job inferred to be Registered Nurses.
pub struct ResumeFits<'a> {
    occupations: &'a Occupations,
    resume: &'a ResumeSkills,
    params: &'a ScoreParams,
    /// The resume's inferred occupations (resolved), most likely first; empty when unknown.
    resume_occupations: Vec<Inferred>,
    memo: RefCell<HashMap<usize, Option<OccupationFit>>>,
}

impl<'a> ResumeFits<'a> {
    pub fn new(occupations: &'a Occupations, resume: &'a ResumeSkills, params: &'a ScoreParams) -> Self {
        Self::with_resume_occupations(occupations, resume, params, Vec::new())
    }

    /// As `new`, with the resume's inferred occupations (see the type's comment).
    pub fn with_resume_occupations(
        occupations: &'a Occupations,
        resume: &'a ResumeSkills,
        params: &'a ScoreParams,
        resume_occupations: Vec<Inferred>,
    ) -> Self {
        ResumeFits { occupations, resume, params, resume_occupations, memo: RefCell::new(HashMap::new()) }
    }

    /// This resume's fit to `occupation`: `occupation_fit`, raised to the resume's affinity
    /// to it; None when the resume has neither skills nor inferred occupations.
    pub fn fit(&self, occupation: usize) -> Option<OccupationFit> {
        if let Some(known) = self.memo.borrow().get(&occupation) {
            return known.clone();
        }
        let by_skills = occupation_fit(self.occupations, occupation, self.resume, self.params);
        let fit = match (by_skills, self.affinity(occupation)) {
            (Some(f), Some(a)) => Some(OccupationFit { score: f.score.max(a), ..f }),
            (f, None) => f,
            (None, Some(a)) => Some(OccupationFit { score: a, typical: Vec::new() }),
        };
        self.memo.borrow_mut().insert(occupation, fit.clone());
        fit
    }

    /// Sum over the resume's occupations of confidence x profile similarity to `occupation`;
    /// None when the resume has no inferred occupation.
    fn affinity(&self, occupation: usize) -> Option<f32> {
        if self.resume_occupations.is_empty() {
            return None;
        }
        let affinity = self
            .resume_occupations
            .iter()
            .map(|r| r.confidence * profile_similarity(self.occupations, r.occupation, occupation))
            .sum::<f32>();
        Some(affinity.clamp(0.0, 1.0))
    }
}

/// How alike two occupations are: 1 for the same one, else the cosine of their profiles'
/// skill sets (shared skills over the geometric mean of their sizes). "Software Developers"
/// and "Web Developers" share much of a profile; "Software Developers" and "Cooks" nothing.
pub fn profile_similarity(occupations: &Occupations, a: usize, b: usize) -> f32 {
    if a == b {
        return 1.0;
    }
    let (x, y) = (&occupations.skills[a], &occupations.skills[b]);
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let (small, large) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    let shared = small.iter().filter(|s| large.contains(s)).count();
    shared as f32 / ((x.len() * y.len()) as f32).sqrt()
}

/// How a resume fits a job known by guesses of its occupation.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedOccupationFit {
    /// The fit's expectation over the guesses with a profile (their confidences renormalised).
    pub score: f32,
    /// The confidence those guesses hold together, in [0, 1].
    pub confidence: f32,
    /// The most likely of them, and the resume's fit to it (for the explanation).
    pub likely: Inferred,
    pub likely_fit: OccupationFit,
}

/// The fit of `resume` over `guesses` (resolved by [`Occupations::resolve`], most likely
/// first); None without guesses or without resume skills.
pub fn expected_occupation_fit(fits_of: &ResumeFits, guesses: &[Inferred]) -> Option<ExpectedOccupationFit> {
    let fits: Vec<OccupationFit> = guesses.iter().map(|g| fits_of.fit(g.occupation)).collect::<Option<_>>()?;
    let confidence: f32 = guesses.iter().map(|g| g.confidence).sum();
    if fits.is_empty() || confidence <= 0.0 {
        return None;
    }
    let score = expected_fit(guesses, |i| guesses.iter().position(|g| g.occupation == i).map(|p| fits[p].score)) / confidence;
    Some(ExpectedOccupationFit {
        score,
        confidence: confidence.min(1.0),
        likely: guesses[0].clone(),
        likely_fit: fits[0].clone(),
    })
}

/// The skill stage's score from its two parts (see [`OCCUPATION_FIT_SHARE`]): the fit's share
/// scaled by the confidence of the occupation; either part alone when the other is missing,
/// None when both are.
pub fn combined_skill_score(coverage: Option<f32>, fit: Option<(f32, f32)>) -> Option<f32> {
    match (coverage, fit) {
        (Some(c), Some((f, confidence))) => {
            let share = OCCUPATION_FIT_SHARE * confidence.clamp(0.0, 1.0);
            Some((1.0 - share) * c + share * f)
        }
        (c, f) => c.or(f.map(|(f, _)| f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::{Relation, SkillEdge};

    fn graph() -> SkillGraph {
        // 0 Python, 1 Django, 2 SQL, 3 welding, 4 Flask; Flask RELATED_TO Django 0.8,
        // welding RELATED_TO SQL 0.1 (below the floor).
        let edges = [
            SkillEdge { source: SkillId(4), target: SkillId(1), relation: Relation::RelatedTo, weight: 0.8 },
            SkillEdge { source: SkillId(3), target: SkillId(2), relation: Relation::RelatedTo, weight: 0.1 },
        ];
        SkillGraph::new(5, &edges).unwrap()
    }

    fn occupations() -> Occupations {
        Occupations::new(&[
            OccupationProfile { name: "Software Developers".into(), skills: vec![SkillId(0), SkillId(1), SkillId(2)] },
            OccupationProfile { name: "software developer".into(), skills: vec![SkillId(2)] },
            OccupationProfile { name: "Welders".into(), skills: vec![SkillId(3)] },
            OccupationProfile { name: "Astronauts".into(), skills: vec![] },
        ])
    }

    fn resume(skills: &[u32]) -> ResumeSkills {
        let ids: Vec<SkillId> = skills.iter().map(|&s| SkillId(s)).collect();
        ResumeSkills::new(&graph(), &ids, &ScoreParams::default())
    }

    #[test]
    fn title_keys_ignore_level_case_and_plural() {
        assert_eq!(title_key("Senior Software Developers"), title_key("software developer"));
        assert_eq!(title_key("Lead  First-Line Supervisors"), title_key("first line supervisor"));
        assert_ne!(title_key("Software Developers"), title_key("Software Testers"));
        assert_eq!(title_key("Senior"), "");
        assert_eq!(title_key("Senior Backend Engineer (Python/Django)"), title_key("Backend Engineers"));
        assert_eq!(title_key("Data Engineer - Berlin, remote"), title_key("data engineer"));
        assert_ne!(title_key("Cooks, Restaurant"), title_key("Cooks, Fast Food"));
        assert_eq!(title_key("Nurse [night shifts] | Oslo"), title_key("nurses"));
    }

    #[test]
    fn titles_sharing_a_key_pool_their_profiles() {
        let occ = occupations();
        assert_eq!(occ.len(), 3);
        let dev = occ.find("Junior Software Developer").unwrap();
        assert_eq!(occ.name(dev), "Software Developers");
        assert!(occ.find("Astronauts").is_none(), "an empty profile is no profile");
        assert!(occ.find("Chef").is_none());
    }

    #[test]
    fn fit_counts_profile_skills_and_related_ones() {
        let occ = occupations();
        let dev = occ.find("Software Developers").unwrap();
        // Python in the profile (1), Flask through Django (0.7 cap), welding nothing.
        let fit = occupation_fit(&occ, dev, &resume(&[0, 4, 3, 0]), &ScoreParams::default()).unwrap();
        assert!((fit.score - 1.7 / 3.0).abs() < 1e-6, "{}", fit.score);
        assert_eq!(fit.typical, vec![SkillId(0)]);
    }

    #[test]
    fn weak_relations_earn_nothing_and_no_skills_means_no_fit() {
        let occ = occupations();
        let welder = occ.find("welder").unwrap();
        let dev = occ.find("software developer").unwrap();
        assert_eq!(occupation_fit(&occ, welder, &resume(&[3]), &ScoreParams::default()).unwrap().score, 1.0);
        assert_eq!(occupation_fit(&occ, dev, &resume(&[3]), &ScoreParams::default()).unwrap().score, 0.0);
        assert_eq!(occupation_fit(&occ, dev, &resume(&[]), &ScoreParams::default()), None);
    }

    #[test]
    fn combined_score_weights_fit_by_confidence_and_falls_back_to_either_part() {
        assert_eq!(combined_skill_score(Some(0.0), Some((1.0, 1.0))), Some(OCCUPATION_FIT_SHARE));
        assert_eq!(combined_skill_score(Some(0.0), Some((1.0, 0.5))), Some(OCCUPATION_FIT_SHARE * 0.5));
        assert_eq!(combined_skill_score(Some(0.4), Some((1.0, 0.0))), Some(0.4));
        assert_eq!(combined_skill_score(Some(0.4), None), Some(0.4));
        assert_eq!(combined_skill_score(None, Some((0.3, 0.2))), Some(0.3));
        assert_eq!(combined_skill_score(None, None), None);
    }

    #[test]
    fn the_resume_s_own_occupation_raises_its_fit() {
        let occ = Occupations::new(&[
            OccupationProfile { name: "Software Developers".into(), skills: vec![SkillId(0), SkillId(1), SkillId(2)] },
            OccupationProfile { name: "Web Developers".into(), skills: vec![SkillId(1), SkillId(2), SkillId(4)] },
            OccupationProfile { name: "Welders".into(), skills: vec![SkillId(3)] },
        ]);
        let (dev, web, welder) = (0, 1, 2);
        assert!((profile_similarity(&occ, dev, web) - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!(profile_similarity(&occ, dev, welder), 0.0);
        assert_eq!(profile_similarity(&occ, welder, welder), 1.0);
        let params = ScoreParams::default();
        // Welding only: no fit to developers by skills; a resume inferred as a developer
        // (0.8) fits developers at 0.8 and web developers at 0.8 x 2/3.
        let welding = resume(&[3]);
        let inferred = vec![Inferred { occupation: dev, confidence: 0.8 }];
        let fits = ResumeFits::with_resume_occupations(&occ, &welding, &params, inferred.clone());
        assert!((fits.fit(dev).unwrap().score - 0.8).abs() < 1e-6);
        assert!((fits.fit(web).unwrap().score - 0.8 * 2.0 / 3.0).abs() < 1e-6);
        assert_eq!(fits.fit(welder).unwrap().score, 1.0, "the skills' fit when it is higher");
        assert_eq!(ResumeFits::new(&occ, &welding, &params).fit(dev).unwrap().score, 0.0);
        // No skills but an inferred occupation: the affinity alone; neither: no fit.
        let none = resume(&[]);
        let fits = ResumeFits::with_resume_occupations(&occ, &none, &params, inferred);
        assert_eq!(fits.fit(dev), Some(OccupationFit { score: 0.8, typical: vec![] }));
        assert_eq!(ResumeFits::new(&occ, &none, &params).fit(dev), None);
    }

    #[test]
    fn expected_fit_weighs_guesses_by_confidence() {
        let occ = occupations();
        let guesses = occ.resolve(&[
            OccupationGuess { occupation: "Software Developers".into(), confidence: 0.6 },
            OccupationGuess { occupation: "Astronauts".into(), confidence: 0.1 },
            OccupationGuess { occupation: "Welders".into(), confidence: 0.2 },
        ]);
        assert_eq!(guesses.len(), 2, "an occupation without a profile is dropped");
        // Python + welding: developers fit 1/2, welders fit 1/2 (welding) -> 0.5 either way.
        let params = ScoreParams::default();
        let expected = |skills: &[u32]| {
            let resume = resume(skills);
            expected_occupation_fit(&ResumeFits::new(&occ, &resume, &params), &guesses)
        };
        let fit = expected(&[0, 3]).unwrap();
        assert!((fit.score - 0.5).abs() < 1e-6 && (fit.confidence - 0.8).abs() < 1e-6, "{fit:?}");
        assert_eq!(occ.name(fit.likely.occupation), "Software Developers");
        // Python alone: developers 1, welders 0 -> (0.6 x 1 + 0.2 x 0) / 0.8.
        let fit = expected(&[0]).unwrap();
        assert!((fit.score - 0.75).abs() < 1e-6, "{fit:?}");
        let python = resume(&[0]);
        assert!(expected_occupation_fit(&ResumeFits::new(&occ, &python, &params), &[]).is_none());
        assert!(expected(&[]).is_none());
    }
}
