//! The skill-graph score of a resume for a job, with the lists that explain it.
//!
//! score = sum over job skills of importance x credit / sum of importances, where credit is
//! 1 for a job skill the resume has, and for one it lacks the weight of the best graph path
//! from any resume skill to it within `related_depth` hops (see `graph`), capped at
//! `partial_credit_cap`; paths weaker than `min_related_similarity` earn nothing.
//!
//! A job with no skills (or only zero importances) gives `score: None`: there is no evidence
//! either way, and the caller should leave the skill term out of its fusion (re-normalising the
//! other weights) rather than read it as 0 (a mismatch) or 1 (a perfect match).

use std::collections::{HashMap, HashSet};

use super::graph::SkillGraph;
use super::SkillId;
use crate::error::{EngineError, Result};

/// Hops the partial-credit search may take: a neighbour, or a neighbour's neighbour. Beyond
/// two hops a path says little about the job skill (with the default decay it is worth at most
/// a quarter).
pub const DEFAULT_RELATED_DEPTH: usize = 2;

/// Most credit a related skill earns in place of the one asked: 0.7, the explanation's own
/// near-miss value (one experience level below earns 0.7: README, "Decisions",
/// explanations). It keeps any related skill below a real match, and a resume that only
/// has related skills below the 0.8 "strong" band.
pub const DEFAULT_PARTIAL_CREDIT_CAP: f64 = 0.7;

/// Weakest path that still earns credit: 0.2, the explanation's "weak" floor (README,
/// "Decisions", explanations: below 0.2 is "missing"). Also bounds the search: it stops
/// below this weight.
pub const DEFAULT_MIN_RELATED_SIMILARITY: f64 = 0.2;

/// Default importance of a job skill when the job gives none.
pub const DEFAULT_IMPORTANCE: f32 = 1.0;

/// A skill a job asks for, with how much it matters (>= 0; default 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobSkill {
    pub skill: SkillId,
    pub importance: f32,
}

impl JobSkill {
    /// A job skill of default importance.
    pub fn new(skill: SkillId) -> Self {
        JobSkill { skill, importance: DEFAULT_IMPORTANCE }
    }
}

/// The score's constants; see the `DEFAULT_*` constants for why each has its value.
#[derive(Clone, Copy, Debug)]
pub struct ScoreParams {
    pub related_depth: usize,
    pub partial_credit_cap: f64,
    pub min_related_similarity: f64,
}

impl Default for ScoreParams {
    /// The documented defaults.
    fn default() -> Self {
        ScoreParams {
            related_depth: DEFAULT_RELATED_DEPTH,
            partial_credit_cap: DEFAULT_PARTIAL_CREDIT_CAP,
            min_related_similarity: DEFAULT_MIN_RELATED_SIMILARITY,
        }
    }
}

/// A job skill the resume lacks but approaches through a related skill.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RelatedCredit {
    /// The resume skill the best path starts from.
    pub resume: SkillId,
    /// The job skill it reaches.
    pub job: SkillId,
    /// The path weight.
    pub similarity: f32,
    /// The credit earned: `similarity` capped at `partial_credit_cap`.
    pub credit: f32,
}

/// The skill-graph score and its explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct SkillScore {
    /// In [0, 1]; None when the job lists no skills (see the module comment).
    pub score: Option<f32>,
    /// Job skills the resume has, in job order.
    pub matched: Vec<SkillId>,
    /// Job skills with no credit, in job order.
    pub missing: Vec<SkillId>,
    /// Job skills with partial credit, in job order.
    pub related: Vec<RelatedCredit>,
    /// Resume skills the job does not ask for, in resume order.
    pub bonus: Vec<SkillId>,
}

/// Scores `resume` skills against `job` skills over `graph`. Repeated skills count once (a job
/// skill listed twice keeps its highest importance). Errors on ids outside the graph or an
/// importance that is negative or not a number.
pub fn skill_graph_score(
    graph: &SkillGraph,
    resume: &[SkillId],
    job: &[JobSkill],
    params: &ScoreParams,
) -> Result<SkillScore> {
    let reach = ResumeReach::new(graph, &distinct(resume), params)?;
    skill_graph_score_reached(graph, resume, &reach, job, params)
}

/// `skill_graph_score` with the resume's reach computed already (`ResumeReach::new` over the
/// same `resume`), for scoring one resume against many jobs.
pub fn skill_graph_score_reached(
    graph: &SkillGraph,
    resume: &[SkillId],
    reach: &ResumeReach,
    job: &[JobSkill],
    params: &ScoreParams,
) -> Result<SkillScore> {
    check_params(params)?;
    // Unknown ids are errors even when no walk would touch them: bad input fails the same way
    // whatever the other side holds.
    for &s in resume.iter().chain(job.iter().map(|j| &j.skill)) {
        graph.check_id(s)?;
    }
    let resume = distinct(resume);
    let job = merge_job_skills(job)?;
    let have: HashSet<SkillId> = resume.iter().copied().collect();
    let asked: HashSet<SkillId> = job.iter().map(|j| j.skill).collect();
    let (present, absent): (Vec<JobSkill>, Vec<JobSkill>) = job.iter().partition(|j| have.contains(&j.skill));

    let mut result = SkillScore {
        score: None,
        matched: present.iter().map(|j| j.skill).collect(),
        missing: Vec::new(),
        related: Vec::new(),
        bonus: resume.iter().copied().filter(|s| !asked.contains(s)).collect(),
    };
    let mut earned: f64 = present.iter().map(|j| j.importance as f64).sum();
    for j in &absent {
        match reach.best(j.skill) {
            Some((resume_skill, similarity)) => {
                let credit = similarity.min(params.partial_credit_cap);
                earned += j.importance as f64 * credit;
                result.related.push(RelatedCredit {
                    resume: resume_skill,
                    job: j.skill,
                    similarity: similarity as f32,
                    credit: credit as f32,
                });
            }
            None => result.missing.push(j.skill),
        }
    }
    let total: f64 = job.iter().map(|j| j.importance as f64).sum();
    if total > 0.0 {
        result.score = Some((earned / total).clamp(0.0, 1.0) as f32);
    }
    Ok(result)
}

/// Every skill a resume's skills reach with a path of at least `min_related_similarity`
/// (within `related_depth` hops): the best such path's resume skill and weight. Computed once
/// per resume and read for every job, instead of one walk per job (a walk for a job skill
/// the resume cannot reach explores all of this anyway).
pub struct ResumeReach(HashMap<SkillId, (SkillId, f64)>);

impl ResumeReach {
    pub fn new(graph: &SkillGraph, resume: &[SkillId], params: &ScoreParams) -> Result<Self> {
        check_params(params)?;
        let mut best = HashMap::new();
        if resume.is_empty() {
            return Ok(ResumeReach(best));
        }
        // One walk from all resume skills at once: it reaches each skill first by its best
        // path from any of them, heaviest first, so it stops at the first path below the
        // threshold.
        graph.walk(resume, params.related_depth, |r| {
            if r.weight < params.min_related_similarity {
                return false;
            }
            best.insert(r.skill, (r.origin, r.weight));
            true
        })?;
        Ok(ResumeReach(best))
    }

    /// A resume that reaches nothing.
    pub fn empty() -> Self {
        ResumeReach(HashMap::new())
    }

    /// The best path to `skill`: its resume skill and weight.
    fn best(&self, skill: SkillId) -> Option<(SkillId, f64)> {
        self.0.get(&skill).copied()
    }
}

/// `skills` without repeats, in first-seen order.
fn distinct(skills: &[SkillId]) -> Vec<SkillId> {
    let mut seen = HashSet::new();
    skills.iter().copied().filter(|s| seen.insert(*s)).collect()
}

/// Job skills without repeats (highest importance kept), in first-seen order; errors on an
/// importance that is negative or not a finite number.
fn merge_job_skills(job: &[JobSkill]) -> Result<Vec<JobSkill>> {
    let mut merged: Vec<JobSkill> = Vec::with_capacity(job.len());
    let mut at: HashMap<SkillId, usize> = HashMap::new();
    for j in job {
        if !(j.importance.is_finite() && j.importance >= 0.0) {
            return Err(EngineError::InvalidInput(format!(
                "job skill id {} has importance {}, expected a number >= 0",
                j.skill.0, j.importance
            )));
        }
        match at.get(&j.skill) {
            Some(&i) => merged[i].importance = merged[i].importance.max(j.importance),
            None => {
                at.insert(j.skill, merged.len());
                merged.push(*j);
            }
        }
    }
    Ok(merged)
}

/// Errors unless the score's constants are usable.
fn check_params(params: &ScoreParams) -> Result<()> {
    let cap_ok = (0.0..=1.0).contains(&params.partial_credit_cap);
    let min_ok = (0.0..=1.0).contains(&params.min_related_similarity);
    if !cap_ok || !min_ok {
        return Err(EngineError::InvalidInput(format!(
            "skill score constants out of range: partial credit cap {}, minimum similarity {} (both must be in [0, 1])",
            params.partial_credit_cap, params.min_related_similarity
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::graph::{Relation, SkillEdge};

    const PYTHON: SkillId = SkillId(0);
    const DJANGO: SkillId = SkillId(1);
    const FLASK: SkillId = SkillId(2);
    const SQL: SkillId = SkillId(3);
    const POSTGRES: SkillId = SkillId(4);
    const DOCKER: SkillId = SkillId(5);
    const KUBERNETES: SkillId = SkillId(6);
    const JAVA: SkillId = SkillId(7);
    const RUST: SkillId = SkillId(8);
    const SCALA: SkillId = SkillId(9);
    const KOTLIN: SkillId = SkillId(10);

    /// The hand-made graph the examples below are computed on.
    fn graph() -> SkillGraph {
        let e = |a: SkillId, b: SkillId, relation, weight| SkillEdge { source: a, target: b, relation, weight };
        SkillGraph::new(
            11,
            &[
                e(DJANGO, PYTHON, Relation::Requires, 1.0),
                e(FLASK, DJANGO, Relation::RelatedTo, 0.9),
                e(POSTGRES, SQL, Relation::Requires, 0.9),
                e(KUBERNETES, DOCKER, Relation::RelatedTo, 0.6),
                e(JAVA, SCALA, Relation::RelatedTo, 0.3),
                e(SCALA, KOTLIN, Relation::RelatedTo, 0.9),
            ],
        )
        .unwrap()
    }

    fn job(skills: &[(SkillId, f32)]) -> Vec<JobSkill> {
        skills.iter().map(|&(skill, importance)| JobSkill { skill, importance }).collect()
    }

    fn score(resume: &[SkillId], job: &[JobSkill]) -> SkillScore {
        skill_graph_score(&graph(), resume, job, &ScoreParams::default()).unwrap()
    }

    fn close(a: f32, b: f64) -> bool {
        (a as f64 - b).abs() < 1e-5
    }

    #[test]
    fn hand_computed_example() {
        let resume = [DJANGO, POSTGRES, DOCKER, JAVA];
        let wanted = job(&[(DJANGO, 1.0), (PYTHON, 1.0), (SQL, 0.5), (KUBERNETES, 1.0), (FLASK, 1.0), (RUST, 1.0)]);
        let s = score(&resume, &wanted);
        // Django 1; Python via Django REQUIRES 1.0 -> capped 0.7; SQL via Postgres 0.9 -> 0.7 x 0.5;
        // Kubernetes via Docker 0.6; Flask via Django 0.9 -> 0.7; Rust 0.
        let expected = (1.0 + 0.7 + 0.35 + 0.6 + 0.7) / 5.5;
        assert!(close(s.score.unwrap(), expected), "{:?}", s.score);
        assert_eq!(s.matched, [DJANGO]);
        assert_eq!(s.missing, [RUST]);
        let related: Vec<(SkillId, SkillId)> = s.related.iter().map(|r| (r.resume, r.job)).collect();
        assert_eq!(related, [(DJANGO, PYTHON), (POSTGRES, SQL), (DOCKER, KUBERNETES), (DJANGO, FLASK)]);
        assert!(close(s.related[0].similarity, 1.0) && close(s.related[0].credit, 0.7));
        assert!(close(s.related[2].similarity, 0.6) && close(s.related[2].credit, 0.6));
        assert_eq!(s.bonus, [POSTGRES, DOCKER, JAVA]);
    }

    #[test]
    fn reverse_and_two_hop_paths_earn_less() {
        // Python -> Django backwards: 1.0 x 0.5. Python -> Django -> Flask: 0.5 x 0.9 x 0.5.
        let s = score(&[PYTHON], &job(&[(DJANGO, 1.0), (FLASK, 1.0)]));
        assert!(close(s.related[0].credit, 0.5));
        assert!(close(s.related[1].credit, 0.225));
        assert!(close(s.score.unwrap(), (0.5 + 0.225) / 2.0));
    }

    #[test]
    fn weak_paths_earn_nothing() {
        // Java -> Scala -> Kotlin: 0.3 x 0.9 x 0.5 = 0.135, below 0.2.
        let s = score(&[JAVA], &job(&[(KOTLIN, 1.0)]));
        assert_eq!(s.score, Some(0.0));
        assert_eq!(s.missing, [KOTLIN]);
        assert!(s.related.is_empty());
        // With a depth of 1 the two-hop Flask credit disappears too.
        let shallow = ScoreParams { related_depth: 1, ..ScoreParams::default() };
        let s = skill_graph_score(&graph(), &[PYTHON], &job(&[(FLASK, 1.0)]), &shallow).unwrap();
        assert_eq!(s.missing, [FLASK]);
    }

    #[test]
    fn full_match_scores_one() {
        let s = score(&[PYTHON, SQL, JAVA], &[JobSkill::new(PYTHON), JobSkill::new(SQL)]);
        assert_eq!(s.score, Some(1.0));
        assert_eq!(s.bonus, [JAVA]);
        assert!(s.missing.is_empty() && s.related.is_empty());
    }

    #[test]
    fn empty_sides() {
        let no_job = score(&[PYTHON, JAVA], &[]);
        assert_eq!(no_job.score, None);
        assert_eq!(no_job.bonus, [PYTHON, JAVA]);
        let no_resume = score(&[], &job(&[(PYTHON, 1.0), (SQL, 0.3)]));
        assert_eq!(no_resume.score, Some(0.0));
        assert_eq!(no_resume.missing, [PYTHON, SQL]);
        assert_eq!(score(&[], &[]).score, None);
        assert_eq!(score(&[PYTHON], &job(&[(SQL, 0.0)])).score, None, "only zero importances");
    }

    #[test]
    fn repeats_count_once_with_highest_importance() {
        // Python matched (imp 1 after merge), Rust missing (imp 1): 0.5, not 2/3 or 1/3.
        let s = score(&[PYTHON, PYTHON], &job(&[(PYTHON, 0.2), (RUST, 1.0), (PYTHON, 1.0)]));
        assert!(close(s.score.unwrap(), 0.5));
        assert_eq!(s.matched, [PYTHON]);
    }

    #[test]
    fn bad_input_is_an_error() {
        let g = graph();
        let p = ScoreParams::default();
        assert!(skill_graph_score(&g, &[SkillId(99)], &[], &p).is_err(), "unknown resume skill");
        assert!(skill_graph_score(&g, &[], &[JobSkill::new(SkillId(99))], &p).is_err(), "unknown job skill");
        assert!(skill_graph_score(&g, &[], &job(&[(PYTHON, -1.0)]), &p).is_err());
        assert!(skill_graph_score(&g, &[], &job(&[(PYTHON, f32::NAN)]), &p).is_err());
        let bad = ScoreParams { partial_credit_cap: 1.5, ..p };
        assert!(skill_graph_score(&g, &[], &[], &bad).is_err());
    }
}
