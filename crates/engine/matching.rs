//! Stages 2 and 3 of `resonance_match` and the fusion after them, over candidates that
//! stage 1 (HNSW retrieval, in the SQL layer) found. Pure: the scorers come in as traits
//! so tests can drive the ranking without models.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::Result;
use super::interrupt::Interrupt;
use super::explain::{explain, CandidateFacts, Explanation, JobFacts, SkillEvidence};
use super::fusion::{fuse, fuse_finite, similarity_score, StageScores};
use super::match_request::MatchOptions;
use super::occupations::guess::OccupationGuess;
use super::skills::SkillId;

/// A job that stage 1 retrieved.
#[derive(Debug, Clone)]
pub struct JobCandidate {
    /// The text the models read (resonance.job_document: "title description").
    pub document: String,
    pub facts: JobFacts,
    /// Cosine similarity of the resume and job embeddings.
    pub cosine: f32,
    /// The taxonomy skills the document names, when they were stored on write under the
    /// taxonomy in use; None: stage 2 extracts them from `document`.
    pub skills: Option<Vec<SkillId>>,
}

/// The resume being matched.
#[derive(Debug, Clone)]
pub struct ResumeInput {
    pub text: String,
    pub facts: CandidateFacts,
}

/// The resume as stage 2 reads it: its text and its inferred occupations (empty when
/// unknown, or when the match does not use them).
#[derive(Debug, Clone, Copy)]
pub struct ResumeText<'a> {
    pub text: &'a str,
    pub occupations: &'a [OccupationGuess],
}

impl<'a> ResumeText<'a> {
    /// A resume known by its text alone.
    pub fn plain(text: &'a str) -> Self {
        ResumeText { text, occupations: &[] }
    }
}

/// A job as stage 2 reads it: its inferred occupations, and the document naming its skills.
#[derive(Debug, Clone, Copy)]
pub struct JobText<'a> {
    pub occupations: &'a [OccupationGuess],
    pub document: &'a str,
    /// The skills `document` names, if known already (else they are extracted from it).
    pub skills: Option<&'a [SkillId]>,
}

/// Stage 2: skill-graph evidence of one resume against many jobs, in job order (one call,
/// so an implementation reads the resume's skills once).
pub trait SkillScorer {
    fn evidence(&self, resume: ResumeText<'_>, jobs: &[JobText<'_>]) -> Vec<SkillEvidence>;
}

/// Stage 3: a cross-encoder's scores in [0, 1] for one resume against many jobs, in order.
/// `interrupt` must be asked between the steps of the computation (forward-pass layers).
pub trait PairScorer {
    fn score(&self, resume: &str, jobs: &[&str], interrupt: &dyn Interrupt) -> Result<Vec<f32>>;

    /// A score already known for this job text (a cache), used as is: it spends none of
    /// the latency budget and is never left out when the budget runs out.
    fn known(&self, _job: &str) -> Option<f32> {
        None
    }

    /// What one pair cost this scorer lately, in ms, if it remembers (see [`RecentCost`]).
    fn recent_ms_per_pair(&self) -> Option<f64> {
        None
    }

    /// Told what a pair cost in the pass just made.
    fn observe_ms_per_pair(&self, _ms: f64) {}
}

/// What a pair cost a model when it last computed one. A call's first pass under a budget is
/// sized with it instead of holding one pair to measure, so on a connection that has scored
/// before no pass starts that the time left cannot pay for. Forgotten after
/// [`RecentCost::FRESH_FOR`], so a cost measured under a burst of load does not keep every
/// later call from computing: then one pair measures again.
#[derive(Debug, Default)]
pub struct RecentCost(Mutex<Option<(f64, Instant)>>);

impl RecentCost {
    /// About one measuring pass a minute per connection under steady load.
    pub const FRESH_FOR: Duration = Duration::from_secs(60);

    pub fn get(&self, now: Instant) -> Option<f64> {
        let last = *self.0.lock().unwrap_or_else(|e| e.into_inner());
        last.filter(|(_, at)| now.saturating_duration_since(*at) < Self::FRESH_FOR).map(|(ms, _)| ms)
    }

    pub fn set(&self, ms: f64, now: Instant) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((ms, now));
    }
}

/// Most candidates the cross-encoder scores per call when a latency budget is set: enough to
/// batch. Fewer when the remaining budget pays for fewer (see [`rerank_within_budget`]).
pub const RERANK_CHUNK: usize = 8;

/// How many pairs the next forward pass may hold under a budget: one while the cost of a pair
/// is unknown (that pass measures it), else as many as the remaining milliseconds pay for at
/// the known cost, at most [`RERANK_CHUNK`]; zero when not one more pair fits.
fn pairs_within(remaining_ms: f64, ms_per_pair: Option<f64>) -> usize {
    if remaining_ms <= 0.0 {
        return 0;
    }
    match ms_per_pair {
        None => 1,
        Some(cost) if cost <= 0.0 => RERANK_CHUNK,
        Some(cost) => ((remaining_ms / cost).floor() as usize).min(RERANK_CHUNK),
    }
}

/// One ranked result, pointing back at its candidate.
#[derive(Debug, Clone)]
pub struct RankedJob {
    pub candidate: usize,
    pub rank: usize,
    pub scores: StageScores,
    pub final_score: f32,
    pub explanation: Option<Explanation>,
}

/// Milliseconds each stage took, for `resonance_last_match_stats()`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StageTimings {
    pub skill_graph_ms: f64,
    pub cross_encoder_ms: f64,
    pub fusion_ms: f64,
    pub explain_ms: f64,
}

/// Milliseconds since `t`: the unit of every stage timing the pipeline reports.
pub fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// The score a candidate has before the cross-encoder: the order in which the budget is spent.
fn pre_rerank_score(c: &JobCandidate, evidence: &Option<SkillEvidence>, options: &MatchOptions) -> f32 {
    let scores = StageScores {
        cross_encoder: None,
        bi_encoder: Some(similarity_score(c.cosine)),
        skill_graph: evidence.as_ref().and_then(|e| e.score),
    };
    fuse(scores, options.weights)
}

/// Cross-encoder scores: known ones as they are, then the rest best pre-rerank candidates
/// first, until all are scored or the budget is spent; candidates left over get None
/// (fusion leaves the stage out for them). Under a budget each forward pass holds only the
/// pairs the remaining budget pays for at the cost measured so far, so a cold query ends
/// within about one pair's cost of its budget, not one whole chunk's.
fn rerank_within_budget(
    reranker: &dyn PairScorer,
    resume: &ResumeInput,
    candidates: &[JobCandidate],
    evidence: &[Option<SkillEvidence>],
    options: &MatchOptions,
    started: Instant,
    interrupt: &dyn Interrupt,
) -> Result<Vec<Option<f32>>> {
    let mut out: Vec<Option<f32>> = candidates.iter().map(|c| reranker.known(&c.document)).collect();
    let mut order: Vec<usize> = (0..candidates.len()).filter(|&i| out[i].is_none()).collect();
    let pre: Vec<f32> = candidates.iter().zip(evidence).map(|(c, e)| pre_rerank_score(c, e, options)).collect();
    order.sort_by(|&a, &b| pre[b].total_cmp(&pre[a]).then(a.cmp(&b)));
    let (mut done, mut ms_per_pair) = (0, reranker.recent_ms_per_pair());
    while done < order.len() {
        // Another posting of a text scored earlier in this call needs no pass.
        let first = order[done];
        if let Some(score) = reranker.known(&candidates[first].document) {
            out[first] = Some(score);
            done += 1;
            continue;
        }
        let take = match options.rerank_budget_ms {
            Some(budget) => pairs_within(budget - ms_since(started), ms_per_pair),
            None => order.len(),
        };
        if take == 0 {
            break;
        }
        let ids = &order[done..(done + take).min(order.len())];
        let docs: Vec<&str> = ids.iter().map(|&i| candidates[i].document.as_str()).collect();
        // The pass costs what its distinct unscored texts cost (at least `first`'s): the
        // cost per pair is measured over those, so known texts in it do not make pairs
        // look cheap to the next call.
        let fresh = docs.iter().filter(|d| reranker.known(d).is_none()).collect::<std::collections::HashSet<_>>().len();
        let pass = Instant::now();
        for (&i, s) in ids.iter().zip(reranker.score(&resume.text, &docs, interrupt)?) {
            out[i] = Some(s);
        }
        done += ids.len();
        let cost = ms_since(pass) / fresh.max(1) as f64;
        ms_per_pair = Some(cost);
        reranker.observe_ms_per_pair(cost);
    }
    Ok(out)
}

/// Scores, fuses and orders the candidates; returns the best `options.top_k_final`.
pub fn rank_candidates(
    resume: &ResumeInput,
    candidates: &[JobCandidate],
    skills: Option<&dyn SkillScorer>,
    reranker: Option<&dyn PairScorer>,
    options: &MatchOptions,
    interrupt: &dyn Interrupt,
) -> Result<(Vec<RankedJob>, StageTimings)> {
    let mut timings = StageTimings::default();
    // The latency budget counts from here: the skill stage's time is taken from it too.
    let started = Instant::now();

    let t = Instant::now();
    let jobs: Vec<JobText> =
        candidates
            .iter()
            .map(|c| JobText { occupations: &c.facts.occupations, document: &c.document, skills: c.skills.as_deref() })
            .collect();
    let evidence: Vec<Option<SkillEvidence>> = match skills.filter(|_| options.use_skill_graph) {
        Some(s) => {
            let occupations = if options.use_resume_occupations { resume.facts.occupations.as_slice() } else { &[] };
            s.evidence(ResumeText { text: &resume.text, occupations }, &jobs).into_iter().map(Some).collect()
        }
        None => vec![None; candidates.len()],
    };
    timings.skill_graph_ms = ms_since(t);

    let t = Instant::now();
    let cross: Vec<Option<f32>> = match reranker.filter(|_| options.use_cross_encoder.wanted()) {
        Some(r) => rerank_within_budget(r, resume, candidates, &evidence, options, started, interrupt)?,
        None => vec![None; candidates.len()],
    };
    timings.cross_encoder_ms = ms_since(t);

    let t = Instant::now();
    // Every candidate's score is checked, not only those returned: a NaN is a damaged
    // model, whichever candidate shows it.
    let mut ranked: Vec<RankedJob> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let scores = StageScores {
                cross_encoder: cross[i],
                bi_encoder: Some(similarity_score(c.cosine)),
                // A job with no known skills has no skill-graph score; fusion leaves it out.
                skill_graph: evidence[i].as_ref().and_then(|e| e.score),
            };
            let final_score = fuse_finite(scores, options.weights)?;
            Ok(RankedJob { candidate: i, rank: 0, scores, final_score, explanation: None })
        })
        .collect::<Result<_>>()?;
    // Ties (equal scores) keep retrieval order, so results are stable call to call.
    ranked.sort_by(|a, b| b.final_score.total_cmp(&a.final_score).then(a.candidate.cmp(&b.candidate)));
    ranked.truncate(options.top_k_final);
    timings.fusion_ms = ms_since(t);

    let t = Instant::now();
    for (position, r) in ranked.iter_mut().enumerate() {
        r.rank = position + 1;
        if options.explain {
            let ev = evidence[r.candidate].clone().unwrap_or_default();
            r.explanation = Some(explain(r.final_score, ev, &candidates[r.candidate].facts, &resume.facts));
        }
    }
    timings.explain_ms = ms_since(t);
    Ok((ranked, timings))
}

/// Stand-ins for the models, for the tests of this module and of `pipeline`.
#[cfg(test)]
pub(crate) mod stand_ins {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;

    /// Stage 2: the share of the job's words found in the resume; a job given with stored
    /// skills scores 1.0, so a test sees that they reached the ranking.
    pub struct WordOverlap;
    impl SkillScorer for WordOverlap {
        fn evidence(&self, resume: ResumeText<'_>, jobs: &[JobText<'_>]) -> Vec<SkillEvidence> {
            let resume = resume.text;
            jobs.iter()
                .map(|job| {
                    let words: Vec<&str> = job.document.split_whitespace().collect();
                    let hits = words.iter().filter(|w| resume.contains(*w)).count();
                    let score = if job.skills.is_some() { 1.0 } else { hits as f32 / words.len() as f32 };
                    SkillEvidence { score: Some(score), ..Default::default() }
                })
                .collect()
        }
    }

    /// Stage 3: 1.0 for jobs mentioning "django", NaN for those mentioning "damaged" (as a
    /// damaged model file scores), else 0; counts the texts it scores.
    #[derive(Default)]
    pub struct KeywordReranker(pub Rc<Cell<usize>>);
    impl PairScorer for KeywordReranker {
        fn score(&self, _: &str, jobs: &[&str], interrupt: &dyn Interrupt) -> Result<Vec<f32>> {
            interrupt.check()?;
            self.0.set(self.0.get() + jobs.len());
            let score = |j: &str| match (j.contains("django"), j.contains("damaged")) {
                (_, true) => f32::NAN,
                (true, false) => 1.0,
                (false, false) => 0.0,
            };
            Ok(jobs.iter().map(|j| score(j)).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::stand_ins::{KeywordReranker, WordOverlap};
    use super::*;
    use crate::fusion::FusionWeights;
    use crate::interrupt::Uninterrupted;
    use crate::match_request::CrossEncoderUse;

    fn candidate(doc: &str, cosine: f32) -> JobCandidate {
        JobCandidate { document: doc.into(), facts: JobFacts::default(), cosine, skills: None }
    }

    fn resume() -> ResumeInput {
        ResumeInput { text: "python django".into(), facts: CandidateFacts::default() }
    }

    #[test]
    fn bi_encoder_alone_keeps_cosine_order() {
        let cands = [candidate("a", 0.2), candidate("b", 0.9), candidate("c", 0.5)];
        let opts = MatchOptions { use_cross_encoder: CrossEncoderUse::Off, use_skill_graph: false, ..Default::default() };
        let (ranked, _) = rank_candidates(&resume(), &cands, None, None, &opts, &Uninterrupted).unwrap();
        assert_eq!(ranked.iter().map(|r| r.candidate).collect::<Vec<_>>(), vec![1, 2, 0]);
        assert_eq!(ranked.iter().map(|r| r.rank).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert!((ranked[0].final_score - 0.9).abs() < 1e-6);
    }

    #[test]
    fn a_scorer_that_gives_nan_makes_the_ranking_an_error() {
        struct NanReranker;
        impl PairScorer for NanReranker {
            fn score(&self, _: &str, jobs: &[&str], _: &dyn Interrupt) -> Result<Vec<f32>> {
                Ok(jobs.iter().map(|j| if j.contains("flask") { f32::NAN } else { 0.5 }).collect())
            }
        }
        // The NaN candidate would be cut by top_k_final 1 if only returned rows were checked.
        let cands = [candidate("python django", 0.9), candidate("python flask", 0.1)];
        let opts = MatchOptions { top_k_final: 1, ..Default::default() };
        let err = rank_candidates(&resume(), &cands, None, Some(&NanReranker), &opts, &Uninterrupted).unwrap_err();
        assert!(err.to_string().contains("the cross-encoder score is NaN"), "{err}");
        let named = err.naming_models(|stage| (stage == crate::fusion::CROSS_ENCODER_STAGE).then(|| "ce@2".to_string()));
        assert!(named.to_string().contains("the cross-encoder score is NaN (model ce@2)"), "{named}");
    }

    #[test]
    fn reranker_and_skills_can_overturn_retrieval_order() {
        let cands = [candidate("java spring", 0.8), candidate("python django", 0.6)];
        let (ranked, _) = rank_candidates(
            &resume(),
            &cands,
            Some(&WordOverlap),
            Some(&KeywordReranker::default()),
            &MatchOptions::default(),
            &Uninterrupted,
        )
        .unwrap();
        assert_eq!(ranked[0].candidate, 1);
        // 0.5 * 1.0 + 0.3 * 0.6 + 0.2 * 1.0
        assert!((ranked[0].final_score - 0.88).abs() < 1e-6);
        assert_eq!(ranked[0].scores.cross_encoder, Some(1.0));
        assert!(ranked[0].explanation.is_some());
    }

    #[test]
    fn top_k_final_truncates_and_explain_off_skips_explanations() {
        let cands: Vec<JobCandidate> = (0..10).map(|i| candidate("x", i as f32 / 10.0)).collect();
        let opts = MatchOptions {
            top_k_final: 3,
            explain: false,
            use_cross_encoder: CrossEncoderUse::Off,
            weights: FusionWeights::default(),
            ..Default::default()
        };
        let (ranked, _) = rank_candidates(&resume(), &cands, Some(&WordOverlap), None, &opts, &Uninterrupted).unwrap();
        assert_eq!(ranked.len(), 3);
        assert!(ranked.iter().all(|r| r.explanation.is_none()));
    }

    #[test]
    fn a_cancel_stops_the_ranking() {
        let cands = [candidate("django", 0.5)];
        let result =
            rank_candidates(&resume(), &cands, None, Some(&KeywordReranker::default()), &MatchOptions::default(), &|| {
                Err(crate::error::EngineError::Canceled)
            });
        assert!(matches!(result, Err(crate::error::EngineError::Canceled)));
    }

    #[test]
    fn a_spent_budget_leaves_the_weakest_candidates_unscored() {
        let cands: Vec<JobCandidate> = (0..20).map(|i| candidate("django", i as f32 / 20.0)).collect();
        let opts = MatchOptions { rerank_budget_ms: Some(0.0), use_skill_graph: false, ..Default::default() };
        let (ranked, _) =
            rank_candidates(&resume(), &cands, None, Some(&KeywordReranker::default()), &opts, &Uninterrupted).unwrap();
        assert!(ranked.iter().all(|r| r.scores.cross_encoder.is_none()), "a zero budget scores nothing");

        /// Takes at least 5 ms per call, so a 1 ms budget is spent after the first call.
        struct Slow;
        impl PairScorer for Slow {
            fn score(&self, _: &str, jobs: &[&str], _: &dyn Interrupt) -> Result<Vec<f32>> {
                std::thread::sleep(std::time::Duration::from_millis(5));
                Ok(vec![1.0; jobs.len()])
            }
        }
        let cands: Vec<JobCandidate> = (0..40).map(|i| candidate("django", i as f32 / 40.0)).collect();
        let opts =
            MatchOptions { rerank_budget_ms: Some(1.0), use_skill_graph: false, top_k_final: 40, ..Default::default() };
        let (ranked, _) = rank_candidates(&resume(), &cands, None, Some(&Slow), &opts, &Uninterrupted).unwrap();
        let scored: Vec<usize> =
            ranked.iter().filter(|r| r.scores.cross_encoder.is_some()).map(|r| r.candidate).collect();
        // The first pass holds one pair (its cost is not known yet) and spends the budget.
        assert_eq!(scored, vec![39], "the best first-stage candidate (highest cosine) was the one scored");
        // No budget: everything is scored.
        let opts = MatchOptions { use_skill_graph: false, top_k_final: 40, ..Default::default() };
        let (ranked, _) = rank_candidates(&resume(), &cands, None, Some(&Slow), &opts, &Uninterrupted).unwrap();
        assert!(ranked.iter().all(|r| r.scores.cross_encoder.is_some()));
    }

    #[test]
    fn passes_hold_only_what_the_remaining_budget_pays_for() {
        assert_eq!(pairs_within(100.0, None), 1, "the first pass measures the cost of a pair");
        assert_eq!(pairs_within(100.0, Some(30.0)), 3);
        assert_eq!(pairs_within(100.0, Some(1.0)), RERANK_CHUNK);
        assert_eq!(pairs_within(20.0, Some(30.0)), 0, "not one more pair fits");
        assert_eq!(pairs_within(0.0, None), 0);
        assert_eq!(pairs_within(-5.0, Some(1.0)), 0);
        assert_eq!(pairs_within(10.0, Some(0.0)), RERANK_CHUNK);

        /// 4 ms per pair: a 22 ms budget pays for about five pairs, never for a sixth.
        struct PerPair;
        impl PairScorer for PerPair {
            fn score(&self, _: &str, jobs: &[&str], _: &dyn Interrupt) -> Result<Vec<f32>> {
                std::thread::sleep(std::time::Duration::from_millis(4 * jobs.len() as u64));
                Ok(vec![1.0; jobs.len()])
            }
        }
        let cands: Vec<JobCandidate> = (0..40).map(|i| candidate("django", i as f32 / 40.0)).collect();
        let opts =
            MatchOptions { rerank_budget_ms: Some(22.0), use_skill_graph: false, top_k_final: 40, ..Default::default() };
        let (ranked, _) = rank_candidates(&resume(), &cands, None, Some(&PerPair), &opts, &Uninterrupted).unwrap();
        let scored = ranked.iter().filter(|r| r.scores.cross_encoder.is_some()).count();
        // A slower machine scores fewer (sleeps only overrun), never more than the budget pays.
        assert!((1..=5).contains(&scored), "{scored}");
    }

    #[test]
    fn a_remembered_cost_sizes_the_first_pass_and_stops_one_that_cannot_fit() {
        /// 4 ms per pair, remembering what it was told a pair cost.
        #[derive(Default)]
        struct Remembering(RecentCost, std::cell::Cell<usize>);
        impl PairScorer for Remembering {
            fn score(&self, _: &str, jobs: &[&str], _: &dyn Interrupt) -> Result<Vec<f32>> {
                self.1.set(self.1.get() + jobs.len());
                std::thread::sleep(std::time::Duration::from_millis(4 * jobs.len() as u64));
                Ok(vec![1.0; jobs.len()])
            }
            fn recent_ms_per_pair(&self) -> Option<f64> {
                self.0.get(Instant::now())
            }
            fn observe_ms_per_pair(&self, ms: f64) {
                self.0.set(ms, Instant::now())
            }
        }
        let cands: Vec<JobCandidate> = (0..40).map(|i| candidate("django", i as f32 / 40.0)).collect();
        let opts = |budget| MatchOptions {
            rerank_budget_ms: Some(budget),
            use_skill_graph: false,
            top_k_final: 40,
            ..Default::default()
        };
        let scorer = Remembering::default();
        scorer.0.set(50.0, Instant::now());
        rank_candidates(&resume(), &cands, None, Some(&scorer), &opts(20.0), &Uninterrupted).unwrap();
        assert_eq!(scorer.1.get(), 0, "a pair known to cost 50 ms is not started with 20 ms left");
        // Unknown (or forgotten) cost: one pair measures it; the rest of the budget is sized by it.
        let scorer = Remembering::default();
        rank_candidates(&resume(), &cands, None, Some(&scorer), &opts(30.0), &Uninterrupted).unwrap();
        let measured = scorer.0.get(Instant::now()).expect("the pass's cost is remembered");
        assert!(measured >= 4.0, "{measured}");
        assert!((1..=7).contains(&scorer.1.get()), "{}", scorer.1.get());
    }

    #[test]
    fn a_pass_over_texts_scored_already_does_not_make_pairs_look_cheap() {
        /// 4 ms per distinct text, remembering texts it scored, as the score cache does.
        #[derive(Default)]
        struct Caching(RecentCost, std::cell::RefCell<std::collections::HashSet<String>>);
        impl PairScorer for Caching {
            fn score(&self, _: &str, jobs: &[&str], _: &dyn Interrupt) -> Result<Vec<f32>> {
                for j in jobs {
                    if self.1.borrow_mut().insert(j.to_string()) {
                        std::thread::sleep(std::time::Duration::from_millis(4));
                    }
                }
                Ok(vec![1.0; jobs.len()])
            }
            fn known(&self, job: &str) -> Option<f32> {
                self.1.borrow().contains(job).then_some(1.0)
            }
            fn observe_ms_per_pair(&self, ms: f64) {
                self.0.set(ms, Instant::now())
            }
        }
        // Two postings each of two texts, no budget: one pass; then the same call with a
        // budget after the texts are known scores them without a pass.
        let cands: Vec<JobCandidate> =
            ["a", "b", "a", "b"].iter().enumerate().map(|(i, d)| candidate(d, 1.0 - i as f32 / 10.0)).collect();
        let scorer = Caching::default();
        let opts = MatchOptions { use_skill_graph: false, top_k_final: 4, ..Default::default() };
        let (ranked, _) = rank_candidates(&resume(), &cands, None, Some(&scorer), &opts, &Uninterrupted).unwrap();
        assert!(ranked.iter().all(|r| r.scores.cross_encoder.is_some()));
        let cost = scorer.0.get(Instant::now()).unwrap();
        assert!(cost >= 4.0, "per distinct text, not per posting: {cost}");
    }

    #[test]
    fn the_budget_counts_the_skill_stage_too() {
        /// A skill stage that takes 10 ms.
        struct SlowSkills;
        impl SkillScorer for SlowSkills {
            fn evidence(&self, resume: ResumeText<'_>, jobs: &[JobText<'_>]) -> Vec<SkillEvidence> {
                std::thread::sleep(std::time::Duration::from_millis(10));
                WordOverlap.evidence(resume, jobs)
            }
        }
        let cands: Vec<JobCandidate> = (0..5).map(|i| candidate("django", i as f32 / 5.0)).collect();
        let opts = MatchOptions { rerank_budget_ms: Some(5.0), ..Default::default() };
        let (ranked, _) =
            rank_candidates(&resume(), &cands, Some(&SlowSkills), Some(&KeywordReranker::default()), &opts, &Uninterrupted)
                .unwrap();
        assert!(ranked.iter().all(|r| r.scores.cross_encoder.is_none()), "the skill stage spent the 5 ms");
    }

    #[test]
    fn a_recent_cost_is_forgotten_after_a_minute() {
        let (cost, t0) = (RecentCost::default(), Instant::now());
        assert_eq!(cost.get(t0), None);
        cost.set(12.5, t0);
        assert_eq!(cost.get(t0 + Duration::from_secs(59)), Some(12.5));
        assert_eq!(cost.get(t0 + RecentCost::FRESH_FOR), None);
    }

    #[test]
    fn known_scores_are_used_even_with_a_spent_budget() {
        /// Knows "cached" at 0.9; scores anything else 0.1.
        struct Cache;
        impl PairScorer for Cache {
            fn score(&self, _: &str, jobs: &[&str], _: &dyn Interrupt) -> Result<Vec<f32>> {
                Ok(vec![0.1; jobs.len()])
            }
            fn known(&self, job: &str) -> Option<f32> {
                (job == "cached").then_some(0.9)
            }
        }
        let cands = [candidate("fresh", 0.9), candidate("cached", 0.1)];
        let opts = MatchOptions { rerank_budget_ms: Some(0.0), use_skill_graph: false, ..Default::default() };
        let (ranked, _) = rank_candidates(&resume(), &cands, None, Some(&Cache), &opts, &Uninterrupted).unwrap();
        let score_of = |c: usize| ranked.iter().find(|r| r.candidate == c).unwrap().scores.cross_encoder;
        assert_eq!(score_of(1), Some(0.9));
        assert_eq!(score_of(0), None, "a zero budget computes nothing");
    }

    #[test]
    fn no_candidates_is_an_empty_result() {
        let (ranked, _) = rank_candidates(
            &resume(),
            &[],
            Some(&WordOverlap),
            Some(&KeywordReranker::default()),
            &MatchOptions::default(),
            &Uninterrupted,
        )
        .unwrap();
        assert!(ranked.is_empty());
    }
}
