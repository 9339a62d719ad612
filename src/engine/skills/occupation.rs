//! Occupation fit: how typical a resume's skills are of the occupation a job's title names.
//!
//! A posting lists a handful of skills; the taxonomy knows the occupation's whole profile
//! (kg_title_skills: an O*NET occupation's work activities, an ESCO occupation's essential
//! skills). So besides "does the resume have the skills this posting lists" (`score`), the
//! skill stage asks "are the resume's skills the ones people in this occupation have":
//!
//!   fit = sum over distinct resume skills of credit / number of resume skills
//!
//! where credit is 1 for a skill in the profile, else the weight of its strongest direct
//! relation to a profile skill, capped and floored like `score`'s partial credit. A job
//! whose title the taxonomy does not know, or a resume with no skills, has no fit (None).

use std::collections::{HashMap, HashSet};

use super::graph::SkillGraph;
use super::score::ScoreParams;
use super::SkillId;
use crate::normalize::{normalize_title, stem};

/// Share of the skill-stage score that occupation fit takes when both parts exist; the rest
/// is the posting's own skill coverage. Measured on the dev benchmark with fusion weights
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

/// The skill stage's score from its two parts (see [`OCCUPATION_FIT_SHARE`]); either alone
/// when the other is missing, None when both are.
pub fn combined_skill_score(coverage: Option<f32>, fit: Option<f32>) -> Option<f32> {
    match (coverage, fit) {
        (Some(c), Some(f)) => Some((1.0 - OCCUPATION_FIT_SHARE) * c + OCCUPATION_FIT_SHARE * f),
        (c, f) => c.or(f),
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
    fn combined_score_weights_fit_and_falls_back_to_either_part() {
        assert_eq!(combined_skill_score(Some(0.0), Some(1.0)), Some(OCCUPATION_FIT_SHARE));
        assert_eq!(combined_skill_score(Some(0.4), None), Some(0.4));
        assert_eq!(combined_skill_score(None, Some(0.3)), Some(0.3));
        assert_eq!(combined_skill_score(None, None), None);
    }
}
