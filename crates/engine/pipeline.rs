//! `resonance_match`'s pipeline and `resonance_explain`'s scoring, over a [`MatchStore`]
//! that reads the rows and provides the models (in Postgres: src/postgres/match_store.rs,
//! over SPI and the backend's caches; in the tests below, memory): the resume's embedding,
//! the skill index, the cross-encoder the options ask for, stage 1 retrieval with the
//! cached cross-encoder scores, the fine-tuned bi-encoder's rescoring, stages 2-3 and
//! fusion (`matching::rank_candidates`), the score cache's write-back, and the per-stage
//! statistics. An explanation is a ranking of one candidate under the caller's options, so
//! its `overall_score` is the `final_score` a match gives the pair.

use std::fmt::Display;
use std::hash::Hash;
use std::rc::Rc;
use std::time::Instant;

use super::error::{EngineError, NonFiniteStage, Result};
use super::explain::{CandidateFacts, Explanation, JobFacts};
use super::fusion::{BI_ENCODER_STAGE, CROSS_ENCODER_STAGE};
use super::interrupt::Interrupt;
use super::match_request::{CrossEncoderUse, MatchFilters, MatchOptions};
use super::matching::{ms_since, rank_candidates, JobCandidate, PairScorer, RankedJob, ResumeInput, SkillScorer};
use super::model_files::BASE_BI_ENCODER;
use super::projection::Projection;
use super::score_cache::{CachedPairScorer, CachedScore, ScoreBasis, TextKey};
use super::skills::SkillId;
use super::tokenization::has_content;

/// A resume row as the pipeline reads it.
#[derive(Debug, Clone, Default)]
pub struct ResumeRow {
    pub text: String,
    /// The stored embedding; None: computed now (rows written with embed_on_write off).
    pub embedding: Option<Vec<f32>>,
    pub facts: CandidateFacts,
    /// Its stored occupations were inferred under an older taxonomy, or are pending.
    pub occupations_stale: bool,
}

/// A job row as `resonance_explain` reads it.
#[derive(Debug, Clone, Default)]
pub struct JobRow {
    /// The text the models read (resonance.job_document: "title description").
    pub document: String,
    pub facts: JobFacts,
    pub embedding: Option<Vec<f32>>,
    /// The skills stored with the job, as ids of the skill index it was asked with; None
    /// when none are stored under that index's taxonomy (stage 2 extracts them).
    pub skills: Option<Vec<SkillId>>,
    /// Its stored occupations were inferred under an older taxonomy, or are pending.
    pub occupations_stale: bool,
}

/// What stage 1 is asked for.
pub struct Retrieval<'a, Id, Model, Skills> {
    pub query: &'a [f32],
    pub filters: &'a MatchFilters,
    pub k: usize,
    /// The skill index to give the jobs' stored skills in (None: not wanted).
    pub skills: Option<&'a Skills>,
    /// Read each job's cached cross-encoder score of this resume under this model.
    pub cached_scores: Option<(Id, &'a Model)>,
}

/// A job stage 1 found, with its cached cross-encoder score when asked for and stored.
#[derive(Debug, Clone)]
pub struct Retrieved<Id> {
    pub id: Id,
    pub job: JobCandidate,
    pub cached: Option<CachedScore>,
    /// Its stored occupations were inferred under an older taxonomy, or are pending.
    pub occupations_stale: bool,
}

/// The cross-encoder a call reranks with.
pub struct Reranker<Model, Scorer> {
    /// What its cache rows are kept under (in Postgres, its resonance.ml_models id).
    pub model: Model,
    /// "name@version", as the statistics name it.
    pub label: String,
    pub scorer: Scorer,
    /// The truncation length it reads texts at: part of a cached score's validity.
    pub max_seq_length: usize,
}

/// Scores computed by a call, to be written to the cache.
pub struct NewScores<'a, Id, Model> {
    pub resume: Id,
    pub model: &'a Model,
    pub basis: ScoreBasis,
    /// (job, key of the job text scored, score).
    pub jobs: Vec<(Id, TextKey, f32)>,
}

/// A stored job as the cross-encoder reads it for one resume: its text, and its cached
/// score of the resume under the model when a row is stored (valid or not: the caller checks).
#[derive(Debug, Clone)]
pub struct StoredPair {
    pub document: String,
    pub cached: Option<CachedScore>,
}

/// What a call reports without failing (in Postgres, a NOTICE).
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Stage 1 left out this many jobs whose stored embedding is all zeros: they have no
    /// direction, so their cosine is NaN (stored before the tables refused them).
    ZeroEmbeddingJobsLeftOut(usize),
    /// The call asked for the cross-encoder (`"use_cross_encoder": true`) and none is
    /// active, so it ranked without one (README, "Cross-encoder fallback").
    NoActiveCrossEncoder,
    /// The skill stage read occupations that were inferred under an older taxonomy (or not
    /// yet): the resume's, and this many candidates'. They are used as stored, so the
    /// occupation fit may be off until they are inferred again.
    StaleOccupations { resume: bool, jobs: usize },
}

impl Notice {
    pub fn message(&self) -> String {
        match self {
            Notice::ZeroEmbeddingJobsLeftOut(n) => format!(
                "resonance_match: {n} job(s) with an all-zero embedding were left out; \
                 set their embedding to NULL and CALL resonance_embed_pending()"
            ),
            Notice::NoActiveCrossEncoder => "resonance: no cross-encoder is active, so nothing is reranked".into(),
            Notice::StaleOccupations { resume, jobs } => {
                let resume = if *resume { "the resume and " } else { "" };
                format!(
                    "resonance: {resume}{jobs} candidate job(s) hold occupations inferred under an older \
                     skill taxonomy, or none yet"
                )
            }
        }
    }

    pub fn detail(&self) -> Option<&'static str> {
        match self {
            Notice::ZeroEmbeddingJobsLeftOut(_) => None,
            Notice::NoActiveCrossEncoder => Some(
                "The options ask for \"use_cross_encoder\": true. The cross-encoder's score is NULL, and \
                 the final score fuses the other stages with their weights renormalised.",
            ),
            Notice::StaleOccupations { .. } => Some(
                "The skill stage used them as stored: their occupation fit may be wrong until they are \
                 inferred again under the current taxonomy.",
            ),
        }
    }

    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Notice::ZeroEmbeddingJobsLeftOut(_) => None,
            Notice::NoActiveCrossEncoder => Some(
                "Register a cross-encoder in resonance.ml_models and SELECT resonance_activate_model(name, version), \
                 or pass \"use_cross_encoder\": false.",
            ),
            Notice::StaleOccupations { .. } => Some("CALL resonance_embed_pending(); infers them again and stores them."),
        }
    }
}

/// The rows the pipeline reads and writes, and the models it runs, as the host keeps them.
pub trait MatchStore {
    /// A row's key (in Postgres, a uuid).
    type Id: Copy + Eq + Hash + Display;
    /// The skill index stage 2 scores with.
    type Skills: SkillScorer;
    /// A registered cross-encoder's identity, under which its cache rows are kept.
    type Model;
    type Scorer: PairScorer;

    /// The resume `id`; None when there is no such row.
    fn resume(&mut self, id: Self::Id) -> Result<Option<ResumeRow>>;
    /// The job `id`, its stored skills given in `skills`; None when there is no such row.
    fn job(&mut self, id: Self::Id, skills: Option<&Self::Skills>) -> Result<Option<JobRow>>;
    /// Stage 1: the `k` jobs nearest to the query that pass the filters, nearest first, with
    /// their cosine similarity (NaN for a job whose stored embedding is all zeros).
    fn retrieve(&mut self, request: Retrieval<'_, Self::Id, Self::Model, Self::Skills>) -> Result<Vec<Retrieved<Self::Id>>>;
    /// The stored embeddings of the jobs `ids`, in that order.
    fn job_embeddings(&mut self, ids: &[Self::Id]) -> Result<Vec<Vec<f32>>>;
    /// Writes scores to the cache; the rows written, or None when this call may not write
    /// (a hot standby, a read-only transaction): then the cache is only read.
    fn store_scores(&mut self, scores: NewScores<'_, Self::Id, Self::Model>) -> Result<Option<usize>>;

    /// The jobs `ids` in that order (None: no such row), each with its cached score of
    /// `resume` under `model`: what resonance_rerank and resonance_explain of stored rows read.
    fn stored_pairs(&mut self, resume: Self::Id, model: &Self::Model, ids: &[Self::Id]) -> Result<Vec<Option<StoredPair>>>;

    /// The base bi-encoder's embeddings of `texts`, in order.
    fn encode(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;
    /// The active bi-encoder when it is a fine-tuned one: its "name@version" and its
    /// projection over base embeddings; None for the base model.
    fn bi_projection(&mut self) -> Result<Option<(String, Rc<Projection>)>>;
    /// The skill index of the taxonomy in use; None when the taxonomy has no skills.
    fn skill_index(&mut self) -> Result<Option<Rc<Self::Skills>>>;
    /// The registered cross-encoder `version` names, or without one the active one; None
    /// when there is no such row.
    fn cross_encoder(&mut self, version: Option<&str>) -> Result<Option<Reranker<Self::Model, Self::Scorer>>>;

    /// Reports what the call did without failing.
    fn notice(&mut self, notice: Notice);
}

/// One run of the pipeline for one resume: the candidates with their ids, the ranked
/// result, and the per-stage breakdown (`resonance_last_match_stats()`).
pub struct MatchOutcome<Id> {
    pub ids: Vec<Id>,
    pub candidates: Vec<JobCandidate>,
    pub ranked: Vec<RankedJob>,
    pub latency_ms: f64,
    pub stats: serde_json::Value,
}

/// resonance_match: the resume, the skill index and cross-encoder the options ask for,
/// stage 1 with the cached scores, the fine-tuned bi-encoder's rescoring, stages 2-3 (the
/// cross-encoder within its budget, behind the cache), fusion, explanations, and the cache
/// write-back.
pub fn run_match<S: MatchStore>(
    store: &mut S,
    resume_id: S::Id,
    filters: &MatchFilters,
    options: &MatchOptions,
    interrupt: &dyn Interrupt,
) -> Result<MatchOutcome<S::Id>> {
    let start = Instant::now();
    let t = Instant::now();
    let resume = stored_resume(store, resume_id)?;
    let query = embedding_or_encode(store, resume.embedding.clone(), &resume.text, &format!("resume {resume_id}"))?;
    let resume_ms = ms_since(t);

    let t = Instant::now();
    let skills = if options.use_skill_graph { store.skill_index()? } else { None };
    let skill_index_ms = ms_since(t);

    let t = Instant::now();
    let reranker = reranker(store, options)?;
    let model_load_ms = ms_since(t);

    let t = Instant::now();
    let retrieved = store.retrieve(Retrieval {
        query: &query,
        filters,
        k: options.top_k_retrieve,
        skills: skills.as_deref(),
        cached_scores: reranker.as_ref().map(|r| (resume_id, &r.model)),
    })?;
    let stale_jobs = retrieved.iter().filter(|r| r.occupations_stale && r.job.cosine.is_finite()).count();
    let (ids, mut candidates, cached) = scored_candidates(store, retrieved);
    let retrieval_ms = ms_since(t);
    // Occupations only count in the skill stage: without it, stale ones change nothing.
    let stale = skills.is_some() && (resume.occupations_stale || stale_jobs > 0);
    if stale {
        store.notice(Notice::StaleOccupations { resume: resume.occupations_stale, jobs: stale_jobs });
    }
    let stale_occupations = if stale { u64::from(resume.occupations_stale) + stale_jobs as u64 } else { 0 };

    // A fine-tuned bi-encoder rescores the candidates stage 1 found with the base embeddings.
    let t = Instant::now();
    let projection = store.bi_projection()?;
    if let Some((_, p)) = &projection {
        let similarities = bi_similarities(Some(p), &query, &store.job_embeddings(&ids)?)?;
        for (c, s) in candidates.iter_mut().zip(similarities) {
            c.cosine = s;
        }
    }
    let bi_rescore_ms = ms_since(t);

    // Stage 3 answers from the cache what it can and computes only the rest.
    let t = Instant::now();
    let cache = reranker.as_ref().map(|r| behind_cache(r, &resume.text, &candidates, &cached));
    let cache_read_ms = ms_since(t);

    let input = ResumeInput { text: resume.text, facts: resume.facts };
    let skill_scorer = skills.as_deref().map(|s| s as &dyn SkillScorer);
    let pair_scorer = cache.as_ref().map(|c| c as &dyn PairScorer);
    // The budget is the call's: what the stages before ranking took is taken off it.
    let ranking_options =
        MatchOptions { rerank_budget_ms: options.rerank_budget_ms.map(|b| b - ms_since(start)), ..options.clone() };
    let (ranked, timings) = rank_candidates(&input, &candidates, skill_scorer, pair_scorer, &ranking_options, interrupt)
        .map_err(|e| e.naming_models(model_of_stage(&projection, &reranker)))?;

    let t = Instant::now();
    let stored = match (&cache, &reranker) {
        (Some(cache), Some(r)) => {
            let jobs = cache.new_scores(&candidates).into_iter().map(|(i, s)| (ids[i], cache.job_key(i), s)).collect();
            Some(store.store_scores(NewScores { resume: resume_id, model: &r.model, basis: cache.basis(), jobs })?)
        }
        _ => None,
    };
    let cache_write_ms = ms_since(t);

    let latency_ms = ms_since(start);
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let stats = serde_json::json!({
        "resume_id": resume_id.to_string(),
        "candidates": candidates.len(),
        "returned": ranked.len(),
        // Rows (the resume and candidates) whose occupations the skill stage read stale.
        "stale_occupations": stale_occupations,
        "stages": {
            "bi_encoder": projection.as_ref().map_or(BASE_BI_ENCODER.to_string(), |(label, _)| label.clone()),
            "cross_encoder": reranker.as_ref().map(|r| r.label.clone()),
            "reranked_returned": ranked.iter().filter(|r| r.scores.cross_encoder.is_some()).count(),
            "skill_graph": skill_scorer.is_some(),
            "explain": options.explain,
            // hits: candidates with a valid cache row; computed: distinct job texts scored now;
            // stored: rows written back (null: read-only, e.g. on a hot standby).
            "rerank_cache": cache.as_ref().map(|c| serde_json::json!({
                "hits": c.hits(),
                "computed": c.computed(),
                "stored": stored.flatten(),
            })),
        },
        "ms": {
            "resume": round(resume_ms),
            "retrieval": round(retrieval_ms),
            "bi_rescore": round(bi_rescore_ms),
            "skill_index": round(skill_index_ms),
            "model_load": round(model_load_ms),
            "skill_graph": round(timings.skill_graph_ms),
            "rerank_cache_read": round(cache_read_ms),
            "cross_encoder": round(timings.cross_encoder_ms),
            "rerank_cache_write": round(cache_write_ms),
            "fusion": round(timings.fusion_ms),
            "explain": round(timings.explain_ms),
            "total": round(latency_ms),
        },
    });
    Ok(MatchOutcome { ids, candidates, ranked, latency_ms, stats })
}

/// resonance_explain of two texts: skills and the fused score; experience and location are
/// unknown without rows.
pub fn explain_texts<S: MatchStore>(
    store: &mut S,
    resume: &str,
    job: &str,
    options: &MatchOptions,
    interrupt: &dyn Interrupt,
) -> Result<Explanation> {
    for (what, text) in [("resume", resume), ("job", job)] {
        if !has_content(text) {
            return Err(EngineError::InvalidInput(format!("cannot explain: {what} text is empty")));
        }
    }
    let mut embeddings = store.encode(&[resume, job])?.into_iter();
    let (r, j) = (embeddings.next().unwrap_or_default(), embeddings.next().unwrap_or_default());
    let skills = if options.use_skill_graph { store.skill_index()? } else { None };
    let resume = ResumeInput { text: resume.to_string(), facts: CandidateFacts::default() };
    let job = JobCandidate { document: job.to_string(), facts: JobFacts::default(), cosine: 0.0, skills: None };
    explain_pair(store, resume, &r, job, &j, skills, None, options, interrupt)
}

/// resonance_explain of a stored resume and job, with their locations and levels, and the
/// job's stored skills.
pub fn explain_ids<S: MatchStore>(
    store: &mut S,
    resume_id: S::Id,
    job_id: S::Id,
    options: &MatchOptions,
    interrupt: &dyn Interrupt,
) -> Result<Explanation> {
    let resume = stored_resume(store, resume_id)?;
    let skills = if options.use_skill_graph { store.skill_index()? } else { None };
    let job = store
        .job(job_id, skills.as_deref())?
        .ok_or_else(|| EngineError::NotFound(format!("job {job_id} does not exist in resonance.jobs")))?;
    // As resonance_match: stale occupations the skill stage reads are said, not hidden.
    if skills.is_some() && (resume.occupations_stale || job.occupations_stale) {
        let jobs = usize::from(job.occupations_stale);
        store.notice(Notice::StaleOccupations { resume: resume.occupations_stale, jobs });
    }
    let r = embedding_or_encode(store, resume.embedding, &resume.text, &format!("resume {resume_id}"))?;
    let j = embedding_or_encode(store, job.embedding, &job.document, &format!("job {job_id}"))?;
    let resume = ResumeInput { text: resume.text, facts: resume.facts };
    let job = JobCandidate { document: job.document, facts: job.facts, cosine: 0.0, skills: job.skills };
    explain_pair(store, resume, &r, job, &j, skills, Some((resume_id, job_id)), options, interrupt)
}

/// The explanation of one pair: the pair ranked alone, as `run_match` ranks each candidate
/// (active bi-encoder, skill graph, the cross-encoder the options ask for, the options'
/// weights), with its explanation on. The cross-encoder's score comes from the score cache
/// when the pair is stored rows (`ids`: resume, job) with a valid cached score, else it is
/// computed whatever the latency budget, and not written back (explain is STABLE).
#[allow(clippy::too_many_arguments)]
fn explain_pair<S: MatchStore>(
    store: &mut S,
    resume: ResumeInput,
    resume_embedding: &[f32],
    mut job: JobCandidate,
    job_embedding: &[f32],
    skills: Option<Rc<S::Skills>>,
    ids: Option<(S::Id, S::Id)>,
    options: &MatchOptions,
    interrupt: &dyn Interrupt,
) -> Result<Explanation> {
    let projection = store.bi_projection()?;
    job.cosine = bi_similarities(projection.as_ref().map(|(_, p)| p), resume_embedding, &[job_embedding.to_vec()])?
        .pop()
        .unwrap_or_default();
    let reranker = reranker(store, options)?;
    let cached = match (&reranker, ids) {
        (Some(r), Some((resume_id, job_id))) => store.stored_pairs(resume_id, &r.model, &[job_id])?.pop().flatten().and_then(|p| p.cached),
        _ => None,
    };
    let candidates = [job];
    let cache = reranker.as_ref().map(|r| behind_cache(r, &resume.text, &candidates, &[cached]));
    let options = MatchOptions { explain: true, top_k_final: 1, rerank_budget_ms: None, ..options.clone() };
    let skill_scorer = skills.as_deref().map(|s| s as &dyn SkillScorer);
    let pair_scorer = cache.as_ref().map(|c| c as &dyn PairScorer);
    let (ranked, _) = rank_candidates(&resume, &candidates, skill_scorer, pair_scorer, &options, interrupt)
        .map_err(|e| e.naming_models(model_of_stage(&projection, &reranker)))?;
    ranked
        .into_iter()
        .next()
        .and_then(|r| r.explanation)
        .ok_or_else(|| EngineError::Internal("ranking one candidate with explain on gave no explanation".into()))
}

/// resonance_rerank of texts: the active cross-encoder's score of `resume` against each of
/// `jobs`, in order (no rows, so no cache). No jobs: no scores, with or without a model.
pub fn rerank_texts<S: MatchStore>(store: &mut S, resume: &str, jobs: &[&str], interrupt: &dyn Interrupt) -> Result<Vec<f32>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    rerankable(resume)?;
    let reranker = active_reranker(store)?;
    finite_scores(reranker.scorer.score(resume, jobs, interrupt)?, &reranker.label)
}

/// resonance_rerank of stored rows: the active cross-encoder's score of the resume against
/// each of the jobs `job_ids`, in order. A pair with a valid cached score (the score a fresh
/// computation gives: same texts, same truncation) is answered from the cache; the others
/// are computed, once per distinct text, and not written back (the function is STABLE).
pub fn rerank_ids<S: MatchStore>(
    store: &mut S,
    resume_id: S::Id,
    job_ids: &[S::Id],
    interrupt: &dyn Interrupt,
) -> Result<Vec<f32>> {
    let resume = stored_resume(store, resume_id)?;
    if job_ids.is_empty() {
        return Ok(Vec::new());
    }
    rerankable(&resume.text)?;
    let reranker = active_reranker(store)?;
    let mut candidates = Vec::with_capacity(job_ids.len());
    let mut cached = Vec::with_capacity(job_ids.len());
    for (id, pair) in job_ids.iter().zip(store.stored_pairs(resume_id, &reranker.model, job_ids)?) {
        let pair = pair.ok_or_else(|| EngineError::NotFound(format!("job {id} does not exist in resonance.jobs")))?;
        candidates.push(JobCandidate { document: pair.document, facts: JobFacts::default(), cosine: 0.0, skills: None });
        cached.push(pair.cached);
    }
    let cache = behind_cache(&reranker, &resume.text, &candidates, &cached);
    let documents: Vec<&str> = candidates.iter().map(|c| c.document.as_str()).collect();
    finite_scores(cache.score(&resume.text, &documents, interrupt)?, &reranker.label)
}

/// The cross-encoder `label`'s scores, or an error naming it when one is not a finite
/// number: as with a fused score, a damaged model's NaN is never returned.
fn finite_scores(scores: Vec<f32>, label: &str) -> Result<Vec<f32>> {
    match scores.iter().find(|s| !s.is_finite()) {
        None => Ok(scores),
        Some(&value) => Err(EngineError::NonFiniteScore(vec![NonFiniteStage {
            stage: CROSS_ENCODER_STAGE,
            value,
            model: Some(label.to_string()),
        }])),
    }
}

fn rerankable(resume: &str) -> Result<()> {
    if has_content(resume) {
        Ok(())
    } else {
        Err(EngineError::InvalidInput("cannot rerank: resume text is empty".into()))
    }
}

/// The active cross-encoder, or an error saying how to get one. Unlike stage 3 of
/// resonance_match, which ranks without reranking when none is active, resonance_rerank has
/// nothing else to return: NULL scores would read as "no score for this job", not as "no
/// model" (README, "Cross-encoder fallback").
fn active_reranker<S: MatchStore>(store: &mut S) -> Result<Reranker<S::Model, S::Scorer>> {
    store.cross_encoder(None)?.ok_or_else(|| {
        EngineError::NotSetUp(
            "no cross-encoder is active in resonance.ml_models (none ships): register a \
             BertForSequenceClassification checkpoint and SELECT resonance_activate_model(name, version) (see README)"
                .into(),
        )
    })
}

/// `reranker` behind the score cache for `resume` and `candidates`, given the cache row
/// read with each (`cached`).
fn behind_cache<'a, M, P: PairScorer>(
    reranker: &'a Reranker<M, P>,
    resume: &str,
    candidates: &[JobCandidate],
    cached: &[Option<CachedScore>],
) -> CachedPairScorer<'a> {
    CachedPairScorer::for_texts(&reranker.scorer, resume, reranker.max_seq_length, candidates, cached)
}

/// The resume `id`, or an error naming it.
fn stored_resume<S: MatchStore>(store: &mut S, id: S::Id) -> Result<ResumeRow> {
    store.resume(id)?.ok_or_else(|| EngineError::NotFound(format!("resume {id} does not exist in resonance.resumes")))
}

/// The cross-encoder the options ask for: none when `use_cross_encoder` is off; the version
/// `model_version` names (an error if it is not registered); else the active one. Without an
/// active one, stage 3 is left out: quietly by default, since none ships, and with a notice
/// when the call asked for it with `"use_cross_encoder": true` (README, "Cross-encoder
/// fallback"). An active model whose files are missing or corrupt is still an error (the
/// store's): that is a broken installation to repair, not a model that is absent.
fn reranker<S: MatchStore>(store: &mut S, options: &MatchOptions) -> Result<Option<Reranker<S::Model, S::Scorer>>> {
    if !options.use_cross_encoder.wanted() {
        return Ok(None);
    }
    if let Some(version) = options.model_version.as_deref() {
        return store.cross_encoder(Some(version))?.map(Some).ok_or_else(|| {
            EngineError::NotFound(format!(
                "option \"model_version\": no cross-encoder version {version:?} in resonance.ml_models"
            ))
        });
    }
    let active = store.cross_encoder(None)?;
    if active.is_none() && options.use_cross_encoder == CrossEncoderUse::Requested {
        store.notice(Notice::NoActiveCrossEncoder);
    }
    Ok(active)
}

/// Stage 1's jobs as the ranking takes them, with their ids and cached scores beside them;
/// jobs without a finite cosine (an all-zero stored embedding) are left out, with a notice.
fn scored_candidates<S: MatchStore>(
    store: &mut S,
    retrieved: Vec<Retrieved<S::Id>>,
) -> (Vec<S::Id>, Vec<JobCandidate>, Vec<Option<CachedScore>>) {
    let total = retrieved.len();
    let (mut ids, mut candidates, mut cached) = (Vec::new(), Vec::new(), Vec::new());
    for r in retrieved.into_iter().filter(|r| r.job.cosine.is_finite()) {
        ids.push(r.id);
        candidates.push(r.job);
        cached.push(r.cached);
    }
    if candidates.len() < total {
        store.notice(Notice::ZeroEmbeddingJobsLeftOut(total - candidates.len()));
    }
    (ids, candidates, cached)
}

/// The stored embedding, or one computed now (rows written with embed_on_write off). A
/// stored all-zero embedding (the tables refuse them now, but older rows may hold one) has
/// no direction to compare: every score would be NaN, so it is an error naming the row.
fn embedding_or_encode<S: MatchStore>(store: &mut S, stored: Option<Vec<f32>>, text: &str, row: &str) -> Result<Vec<f32>> {
    match stored {
        Some(e) if e.iter().all(|x| *x == 0.0) => Err(EngineError::InvalidInput(format!(
            "{row} has an all-zero embedding: set it to NULL and CALL resonance_embed_pending(), or store a real one"
        ))),
        Some(e) => Ok(e),
        None if !has_content(text) => Err(EngineError::InvalidInput("cannot match: the row's text is empty".into())),
        None => Ok(store.encode(&[text])?.pop().unwrap_or_default()),
    }
}

/// The model that gave a stage's scores ("name@version"), for an error about them: the
/// fine-tuned bi-encoder when one is active, else the base; the cross-encoder in use.
fn model_of_stage<'a, M, P>(
    projection: &'a Option<(String, Rc<Projection>)>,
    reranker: &'a Option<Reranker<M, P>>,
) -> impl Fn(&str) -> Option<String> + 'a {
    move |stage| match stage {
        BI_ENCODER_STAGE => Some(projection.as_ref().map_or(BASE_BI_ENCODER.to_string(), |(label, _)| label.clone())),
        CROSS_ENCODER_STAGE => reranker.as_ref().map(|r| r.label.clone()),
        _ => None,
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The bi-encoder similarity of a resume embedding to job embeddings (stored, unit length):
/// their cosine, or with a fine-tuned bi-encoder active the cosine of their projections.
fn bi_similarities(projection: Option<&Rc<Projection>>, resume: &[f32], jobs: &[Vec<f32>]) -> Result<Vec<f32>> {
    Ok(match projection {
        None => jobs.iter().map(|j| dot(resume, j)).collect(),
        Some(p) => {
            let r = p.apply(&[resume.to_vec()])?.pop().unwrap_or_default();
            p.apply(jobs)?.iter().map(|j| dot(&r, j)).collect()
        }
    })
}


#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::HashMap;

    use super::*;
    use crate::fusion::FusionWeights;
    use crate::interrupt::Uninterrupted;
    use crate::matching::stand_ins::{KeywordReranker, WordOverlap};

    struct Job {
        id: u32,
        document: &'static str,
        country: &'static str,
        embedding: Vec<f32>,
        skills: Option<Vec<SkillId>>,
        /// Occupations inferred under an older taxonomy.
        stale: bool,
    }

    /// The store of the tests: rows in memory, stage 1 by exact cosine, one cross-encoder
    /// ("ce@1", `KeywordReranker`) when `cross_encoder` is set.
    #[derive(Default)]
    struct MemoryStore {
        resumes: HashMap<u32, ResumeRow>,
        jobs: Vec<Job>,
        cache: HashMap<(u32, u32), CachedScore>,
        cross_encoder: bool,
        read_only: bool,
        /// Texts the cross-encoder scored.
        scored: Rc<Cell<usize>>,
        notices: Vec<Notice>,
        /// What stage 1 was asked: filters, k, whether with cached scores.
        asked: Vec<(MatchFilters, usize, bool)>,
        /// The fine-tuned bi-encoder ("proj@1") when set.
        projection: Option<Rc<Projection>>,
    }

    /// A unit vector at cosine `c` to (1, 0), the resumes' direction.
    fn at(c: f32) -> Vec<f32> {
        vec![c, (1.0 - c * c).sqrt()]
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        dot(a, b) / (dot(a, a).sqrt() * dot(b, b).sqrt())
    }

    impl MatchStore for MemoryStore {
        type Id = u32;
        type Skills = WordOverlap;
        type Model = &'static str;
        type Scorer = KeywordReranker;

        fn resume(&mut self, id: u32) -> Result<Option<ResumeRow>> {
            Ok(self.resumes.get(&id).cloned())
        }

        fn job(&mut self, id: u32, skills: Option<&WordOverlap>) -> Result<Option<JobRow>> {
            Ok(self.jobs.iter().find(|j| j.id == id).map(|j| JobRow {
                document: j.document.into(),
                facts: JobFacts::default(),
                embedding: Some(j.embedding.clone()),
                skills: skills.and(j.skills.clone()),
                occupations_stale: j.stale,
            }))
        }

        fn retrieve(&mut self, r: Retrieval<'_, u32, &'static str, WordOverlap>) -> Result<Vec<Retrieved<u32>>> {
            self.asked.push((r.filters.clone(), r.k, r.cached_scores.is_some()));
            let mut found: Vec<(f32, &Job)> = self
                .jobs
                .iter()
                .filter(|j| r.filters.country.as_deref().is_none_or(|c| c == j.country))
                .map(|j| (cosine(r.query, &j.embedding), j))
                .collect();
            found.sort_by(|a, b| b.0.total_cmp(&a.0));
            found.truncate(r.k);
            Ok(found
                .into_iter()
                .map(|(cosine, j)| Retrieved {
                    id: j.id,
                    job: JobCandidate {
                        document: j.document.into(),
                        facts: JobFacts::default(),
                        cosine,
                        skills: r.skills.and(j.skills.clone()),
                    },
                    cached: r.cached_scores.and_then(|(resume, _)| self.cache.get(&(resume, j.id)).copied()),
                    occupations_stale: j.stale,
                })
                .collect())
        }

        fn job_embeddings(&mut self, ids: &[u32]) -> Result<Vec<Vec<f32>>> {
            Ok(ids.iter().filter_map(|id| self.jobs.iter().find(|j| j.id == *id)).map(|j| j.embedding.clone()).collect())
        }

        fn store_scores(&mut self, new: NewScores<'_, u32, &'static str>) -> Result<Option<usize>> {
            if self.read_only {
                return Ok(None);
            }
            for &(job, job_key, score) in &new.jobs {
                let basis = new.basis;
                let row = CachedScore { resume_key: basis.resume_key, job_key, max_seq_length: basis.max_seq_length, score };
                self.cache.insert((new.resume, job), row);
            }
            Ok(Some(new.jobs.len()))
        }

        fn stored_pairs(&mut self, resume: u32, _: &&'static str, ids: &[u32]) -> Result<Vec<Option<StoredPair>>> {
            Ok(ids
                .iter()
                .map(|id| {
                    self.jobs.iter().find(|j| j.id == *id).map(|j| StoredPair {
                        document: j.document.into(),
                        cached: self.cache.get(&(resume, j.id)).copied(),
                    })
                })
                .collect())
        }

        fn encode(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
            Ok(texts.iter().map(|_| at(1.0)).collect())
        }

        fn bi_projection(&mut self) -> Result<Option<(String, Rc<Projection>)>> {
            Ok(self.projection.clone().map(|p| ("proj@1".to_string(), p)))
        }

        fn skill_index(&mut self) -> Result<Option<Rc<WordOverlap>>> {
            Ok(Some(Rc::new(WordOverlap)))
        }

        fn cross_encoder(&mut self, version: Option<&str>) -> Result<Option<Reranker<&'static str, KeywordReranker>>> {
            let registered = self.cross_encoder && version.is_none_or(|v| v == "1");
            Ok(registered.then(|| Reranker {
                model: "ce",
                label: "ce@1".into(),
                scorer: KeywordReranker(self.scored.clone()),
                max_seq_length: 256,
            }))
        }

        fn notice(&mut self, notice: Notice) {
            self.notices.push(notice);
        }
    }

    /// Resume 1 (python django, embedded), 2 (not embedded yet), 3 (all-zero embedding);
    /// jobs 1-4, job 4 a re-posting of job 2's text.
    fn store() -> MemoryStore {
        let resume = |text: &str, embedding: Option<Vec<f32>>| ResumeRow {
            text: text.into(),
            embedding,
            facts: CandidateFacts::default(),
            occupations_stale: false,
        };
        let job = |id, document, country, c| Job { id, document, country, embedding: at(c), skills: None, stale: false };
        MemoryStore {
            resumes: HashMap::from([
                (1, resume("python django developer", Some(at(1.0)))),
                (2, resume("python developer", None)),
                (3, resume("python developer", Some(vec![0.0, 0.0]))),
            ]),
            jobs: vec![
                job(1, "java spring", "Germany", 0.9),
                job(2, "python django", "France", 0.6),
                job(3, "python flask", "Germany", 0.8),
                job(4, "python django", "Germany", 0.6),
            ],
            ..Default::default()
        }
    }

    fn options(json: serde_json::Value) -> MatchOptions {
        MatchOptions::default().with_json(&json).unwrap()
    }

    fn run(store: &mut MemoryStore, resume: u32, filters: &MatchFilters, options: &MatchOptions) -> MatchOutcome<u32> {
        run_match(store, resume, filters, options, &Uninterrupted).unwrap()
    }

    /// The ranked job ids, best first.
    fn ranked_ids(outcome: &MatchOutcome<u32>) -> Vec<u32> {
        outcome.ranked.iter().map(|r| outcome.ids[r.candidate]).collect()
    }

    #[test]
    fn ranks_by_the_fused_score_with_ids_beside_the_candidates() {
        let mut s = store();
        let out = run(&mut s, 1, &MatchFilters::default(), &options(serde_json::json!({})));
        // Skill scores 0, 1, 0.5, 1 against cosines 0.9, 0.6, 0.8, 0.6 (weights 0.3 / 0.2):
        // 0.54, 0.76, 0.68, 0.76; the tie keeps retrieval order.
        assert_eq!(ranked_ids(&out), [2, 4, 3, 1]);
        assert!((out.ranked[0].final_score - 0.76).abs() < 1e-6);
        assert_eq!(out.ranked.iter().map(|r| r.rank).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert!(out.ranked.iter().all(|r| r.explanation.is_some()));
        assert_eq!(out.candidates.len(), 4);
        let out = run(&mut s, 1, &MatchFilters::default(), &options(serde_json::json!({"use_skill_graph": false})));
        assert_eq!(ranked_ids(&out), [1, 3, 2, 4], "the bi-encoder alone keeps cosine order");
    }

    #[test]
    fn filters_and_k_reach_stage_1_and_stored_skills_the_ranking() {
        let mut s = store();
        s.jobs[0].skills = Some(vec![SkillId(0)]);
        let filters = MatchFilters::from_json(&serde_json::json!({"country": "Germany", "remote_only": true})).unwrap();
        let out = run(&mut s, 1, &filters, &options(serde_json::json!({"top_k_retrieve": 2, "top_k_final": 1})));
        assert_eq!(s.asked, [(filters, 2, false)]);
        assert_eq!(out.candidates.len(), 2);
        // Job 1's stored skills score 1.0: 0.3 * 0.9 + 0.2 * 1.0 over 0.5.
        assert_eq!(ranked_ids(&out), [1]);
        assert!((out.ranked[0].final_score - 0.94).abs() < 1e-6);
    }

    #[test]
    fn unknown_rows_are_not_found_errors_naming_them() {
        let mut s = store();
        let message = |r: Result<_>| match r {
            Err(EngineError::NotFound(m)) => m,
            Err(e) => panic!("expected NotFound, got {e}"),
            Ok(_) => panic!("expected NotFound"),
        };
        let no_filters = MatchFilters::default();
        let opts = MatchOptions::default();
        let got = message(run_match(&mut s, 99, &no_filters, &opts, &Uninterrupted).map(|_| ()));
        assert_eq!(got, "resume 99 does not exist in resonance.resumes");
        let got = message(explain_ids(&mut s, 1, 98, &opts, &Uninterrupted).map(|_| ()));
        assert_eq!(got, "job 98 does not exist in resonance.jobs");
        assert!(s.asked.is_empty(), "nothing was retrieved");
    }

    #[test]
    fn a_resume_without_an_embedding_is_encoded_and_an_all_zero_one_refused() {
        let mut s = store();
        let out = run(&mut s, 2, &MatchFilters::default(), &MatchOptions::default());
        assert_eq!(out.candidates.len(), 4);
        let err = run_match(&mut s, 3, &MatchFilters::default(), &MatchOptions::default(), &Uninterrupted).err();
        assert!(
            matches!(&err, Some(EngineError::InvalidInput(m)) if m.starts_with("resume 3 has an all-zero embedding")),
            "{err:?}"
        );
    }

    #[test]
    fn stale_occupations_are_counted_and_noticed_only_when_the_skill_stage_reads_them() {
        let mut s = store();
        s.jobs[1].stale = true;
        s.jobs[3].stale = true;
        s.resumes.get_mut(&1).unwrap().occupations_stale = true;
        let out = run(&mut s, 1, &MatchFilters::default(), &MatchOptions::default());
        assert_eq!(s.notices, [Notice::StaleOccupations { resume: true, jobs: 2 }]);
        assert_eq!(out.stats["stale_occupations"], 3);
        let message = s.notices[0].message();
        assert!(message.contains("the resume and 2 candidate job(s)"), "{message}");
        assert!(s.notices[0].hint().unwrap().contains("resonance_embed_pending"));

        // resonance_explain of stored rows says the same of its pair.
        s.notices.clear();
        explain_ids(&mut s, 1, 2, &MatchOptions::default(), &Uninterrupted).unwrap();
        assert_eq!(s.notices, [Notice::StaleOccupations { resume: true, jobs: 1 }]);

        s.notices.clear();
        let out = run(&mut s, 1, &MatchFilters::default(), &options(serde_json::json!({"use_skill_graph": false})));
        assert!(s.notices.is_empty(), "{:?}", s.notices);
        assert_eq!(out.stats["stale_occupations"], 0);
    }

    #[test]
    fn jobs_with_an_all_zero_embedding_are_left_out_with_a_notice() {
        let mut s = store();
        s.jobs[2].embedding = vec![0.0, 0.0];
        let out = run(&mut s, 1, &MatchFilters::default(), &MatchOptions::default());
        assert!(!out.ids.contains(&3));
        assert_eq!(s.notices, [Notice::ZeroEmbeddingJobsLeftOut(1)]);
    }

    /// The score-cache part of the statistics.
    fn cache_stats(out: &MatchOutcome<u32>) -> serde_json::Value {
        out.stats["stages"]["rerank_cache"].clone()
    }

    #[test]
    fn the_cache_is_filled_cold_used_warm_and_missed_for_an_edited_text() {
        let mut s = MemoryStore { cross_encoder: true, ..store() };
        let opts = MatchOptions::default();
        let cold = run(&mut s, 1, &MatchFilters::default(), &opts);
        assert_eq!(s.asked[0].2, true, "stage 1 reads the cached scores");
        // Four candidates, three distinct texts (job 4 re-posts job 2's): each text scored once.
        assert_eq!(cache_stats(&cold), serde_json::json!({"hits": 0, "computed": 3, "stored": 4}));
        assert_eq!((s.scored.get(), s.cache.len()), (3, 4));

        let warm = run(&mut s, 1, &MatchFilters::default(), &opts);
        assert_eq!(cache_stats(&warm), serde_json::json!({"hits": 4, "computed": 0, "stored": 0}));
        assert_eq!(s.scored.get(), 3, "nothing computed");
        let scores = |o: &MatchOutcome<u32>| o.ranked.iter().map(|r| (o.ids[r.candidate], r.scores)).collect::<Vec<_>>();
        assert_eq!(scores(&cold), scores(&warm));

        // A changed job text makes its row a miss: scored afresh and overwritten.
        s.jobs[2].document = "python django flask";
        let edited = run(&mut s, 1, &MatchFilters::default(), &opts);
        assert_eq!(cache_stats(&edited), serde_json::json!({"hits": 3, "computed": 1, "stored": 1}));
        let job3 = edited.ranked.iter().find(|r| edited.ids[r.candidate] == 3).unwrap();
        assert_eq!(job3.scores.cross_encoder, Some(1.0));
        assert_eq!(s.cache[&(1, 3)].job_key, TextKey::of("python django flask"));

        // So does a changed resume text, for every job.
        s.resumes.get_mut(&1).unwrap().text = "python django flask developer".into();
        let resume_edited = run(&mut s, 1, &MatchFilters::default(), &opts);
        assert_eq!(cache_stats(&resume_edited)["hits"], 0);
    }

    #[test]
    fn read_only_calls_use_the_cache_and_write_nothing() {
        let mut s = MemoryStore { cross_encoder: true, read_only: true, ..store() };
        let out = run(&mut s, 1, &MatchFilters::default(), &MatchOptions::default());
        assert_eq!(cache_stats(&out), serde_json::json!({"hits": 0, "computed": 3, "stored": null}));
        assert!(s.cache.is_empty());
        assert_eq!(out.ranked.iter().filter(|r| r.scores.cross_encoder.is_some()).count(), 4);
    }

    #[test]
    fn cached_scores_are_used_even_with_a_spent_budget() {
        let mut s = MemoryStore { cross_encoder: true, ..store() };
        run(&mut s, 1, &MatchFilters::default(), &MatchOptions::default());
        let out = run(&mut s, 1, &MatchFilters::default(), &options(serde_json::json!({"rerank_budget_ms": 0})));
        assert_eq!(out.ranked.iter().filter(|r| r.scores.cross_encoder.is_some()).count(), 4);
        let mut cold = MemoryStore { cross_encoder: true, ..store() };
        let out = run(&mut cold, 1, &MatchFilters::default(), &options(serde_json::json!({"rerank_budget_ms": 0})));
        assert!(out.ranked.iter().all(|r| r.scores.cross_encoder.is_none()));
        assert_eq!(cache_stats(&out), serde_json::json!({"hits": 0, "computed": 0, "stored": 0}));
    }

    #[test]
    fn the_statistics_have_the_documented_shape() {
        let keys = |v: &serde_json::Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let mut s = MemoryStore { cross_encoder: true, ..store() };
        let out = run(&mut s, 1, &MatchFilters::default(), &options(serde_json::json!({"top_k_final": 2})));
        assert_eq!(keys(&out.stats), ["candidates", "ms", "resume_id", "returned", "stages", "stale_occupations"]);
        assert_eq!(
            keys(&out.stats["stages"]),
            ["bi_encoder", "cross_encoder", "explain", "rerank_cache", "reranked_returned", "skill_graph"]
        );
        let mut stages: Vec<&str> = vec![
            "resume", "retrieval", "bi_rescore", "skill_index", "model_load", "skill_graph",
            "rerank_cache_read", "cross_encoder", "rerank_cache_write", "fusion", "explain", "total",
        ];
        stages.sort();
        assert_eq!(keys(&out.stats["ms"]), stages);
        assert!(out.stats["ms"].as_object().unwrap().values().all(|v| v.as_f64().is_some_and(|ms| ms >= 0.0)));
        assert_eq!(out.stats["resume_id"], "1");
        assert_eq!((out.stats["candidates"].as_u64(), out.stats["returned"].as_u64()), (Some(4), Some(2)));
        let stages = &out.stats["stages"];
        assert_eq!(stages["bi_encoder"], BASE_BI_ENCODER);
        assert_eq!(stages["cross_encoder"], "ce@1");
        assert_eq!((stages["reranked_returned"].as_u64(), stages["skill_graph"].as_bool()), (Some(2), Some(true)));
        assert_eq!(stages["explain"], true);

        let out = run(&mut store(), 1, &MatchFilters::default(), &options(serde_json::json!({"use_skill_graph": false})));
        let stages = &out.stats["stages"];
        assert!(stages["cross_encoder"].is_null() && stages["rerank_cache"].is_null());
        assert_eq!(stages["skill_graph"], false);
    }

    #[test]
    fn without_an_active_cross_encoder_only_a_call_that_asks_for_one_is_told() {
        let mut s = store();
        run(&mut s, 1, &MatchFilters::default(), &MatchOptions::default());
        assert!(s.notices.is_empty(), "quiet by default");
        let out = run(&mut s, 1, &MatchFilters::default(), &options(serde_json::json!({"use_cross_encoder": true})));
        assert_eq!(s.notices, [Notice::NoActiveCrossEncoder]);
        assert!(out.ranked.iter().all(|r| r.scores.cross_encoder.is_none()));
        // A version that is not registered is an error, with or without an active one.
        let named = options(serde_json::json!({"model_version": "7"}));
        for cross_encoder in [false, true] {
            let mut s = MemoryStore { cross_encoder, ..store() };
            let err = run_match(&mut s, 1, &MatchFilters::default(), &named, &Uninterrupted).err();
            assert!(matches!(&err, Some(EngineError::NotFound(m)) if m.contains("no cross-encoder version \"7\"")), "{err:?}");
        }
        let mut s = MemoryStore { cross_encoder: true, ..store() };
        let out = run(&mut s, 1, &MatchFilters::default(), &options(serde_json::json!({"model_version": "1"})));
        assert_eq!(out.stats["stages"]["cross_encoder"], "ce@1");
    }

    #[test]
    fn an_explanation_scores_the_pair_as_the_match_does_under_the_same_options() {
        for cross_encoder in [false, true] {
            let mut s = MemoryStore { cross_encoder, ..store() };
            s.jobs[2].skills = Some(vec![SkillId(1)]);
            for json in [
                serde_json::json!({}),
                serde_json::json!({"use_skill_graph": false}),
                serde_json::json!({"weight_bi_encoder": 0.1, "weight_skill_graph": 0.9, "weight_cross_encoder": 2}),
                serde_json::json!({"use_cross_encoder": false, "rerank_budget_ms": 0}),
            ] {
                let opts = options(json.clone());
                let out = run(&mut s, 1, &MatchFilters::default(), &opts);
                let job3 = out.ranked.iter().find(|r| out.ids[r.candidate] == 3).unwrap();
                let explained = explain_ids(&mut s, 1, 3, &opts, &Uninterrupted).unwrap();
                assert_eq!(explained.overall_score, job3.final_score, "{json} cross-encoder {cross_encoder}");
                assert_eq!(explained.skills.score, job3.scores.skill_graph, "stored skills are used: {json}");
            }
        }
        let mut s = store();
        let weighted = |s: &mut MemoryStore, bi: f32, sg: f32| {
            let opts = MatchOptions {
                weights: FusionWeights { cross_encoder: 0.5, bi_encoder: bi, skill_graph: sg },
                ..MatchOptions::default()
            };
            explain_texts(s, "python developer", "java developer", &opts, &Uninterrupted).unwrap().overall_score
        };
        assert_ne!(weighted(&mut s, 1.0, 0.0), weighted(&mut s, 0.0, 1.0), "the caller's weights are used");
        let err = explain_texts(&mut s, " ", "java", &MatchOptions::default(), &Uninterrupted).err();
        assert!(matches!(&err, Some(EngineError::InvalidInput(m)) if m == "cannot explain: resume text is empty"));
    }

    #[test]
    fn rerank_and_explain_of_stored_rows_read_valid_cached_scores_and_compute_the_rest() {
        let mut s = MemoryStore { cross_encoder: true, ..store() };
        let opts = options(serde_json::json!({}));
        run(&mut s, 1, &MatchFilters::default(), &opts);
        let computed = s.scored.get();
        // A cached score the model would not give shows that it is read, not recomputed.
        s.cache.get_mut(&(1, 3)).unwrap().score = 0.5;
        assert_eq!(rerank_ids(&mut s, 1, &[2, 3, 4], &Uninterrupted).unwrap(), [1.0, 0.5, 1.0]);
        assert_eq!(s.scored.get(), computed, "every pair was cached");
        let out = run(&mut s, 1, &MatchFilters::default(), &opts);
        let job3 = out.ranked.iter().find(|r| out.ids[r.candidate] == 3).unwrap();
        assert_eq!(job3.scores.cross_encoder, Some(0.5));
        assert_eq!(explain_ids(&mut s, 1, 3, &opts, &Uninterrupted).unwrap().overall_score, job3.final_score);
        assert_eq!(s.scored.get(), computed);
        // A row for an older text of the job is not used: the pair is scored afresh, not stored.
        s.cache.get_mut(&(1, 3)).unwrap().job_key = TextKey::of("an older text");
        assert_eq!(rerank_ids(&mut s, 1, &[3, 4], &Uninterrupted).unwrap(), [0.0, 1.0]);
        assert_eq!(s.scored.get(), computed + 1, "one stale pair computed");
        assert_eq!(s.cache[&(1, 3)].job_key, TextKey::of("an older text"), "rerank writes nothing");
        // Texts have no rows: always computed.
        assert_eq!(rerank_texts(&mut s, "python", &["django", "flask"], &Uninterrupted).unwrap(), [1.0, 0.0]);
    }

    /// A projection whose weights are NaN, as a damaged file of the same size loads.
    fn nan_projection() -> Rc<Projection> {
        use candle_core::{Device, Tensor};
        let path = std::env::temp_dir().join(format!("resonance-nan-projection-{}.safetensors", std::process::id()));
        let weight = Tensor::new(&[[f32::NAN, 0.0], [0.0, 0.0]], &Device::Cpu).unwrap();
        Projection::save(&weight, &Tensor::zeros(2, candle_core::DType::F32, &Device::Cpu).unwrap(), &path).unwrap();
        Rc::new(Projection::load(&path).unwrap())
    }

    #[test]
    fn a_score_that_is_not_finite_is_an_error_naming_the_model_never_a_result() {
        let mut s = MemoryStore { projection: Some(nan_projection()), cross_encoder: true, ..store() };
        for json in [serde_json::json!({}), serde_json::json!({"use_skill_graph": false, "use_cross_encoder": false})] {
            let err = run_match(&mut s, 1, &MatchFilters::default(), &options(json.clone()), &Uninterrupted)
                .err()
                .unwrap_or_else(|| panic!("{json}: a NaN projection ranked"));
            assert_eq!(err.kind(), crate::error::ErrorKind::Corrupt, "{err}");
            let message = err.to_string();
            assert!(message.contains("the bi-encoder score is NaN (model proj@1)"), "{message}");
        }
        // Nothing was written to the score cache by the refused calls.
        assert!(s.cache.is_empty());
        let err = explain_ids(&mut s, 1, 3, &options(serde_json::json!({})), &Uninterrupted).unwrap_err();
        assert!(err.to_string().contains("model proj@1"), "{err}");
        // The same store without the damaged projection ranks.
        s.projection = None;
        assert_eq!(run(&mut s, 1, &MatchFilters::default(), &options(serde_json::json!({}))).ranked.len(), 4);
    }

    #[test]
    fn a_rerank_score_that_is_not_finite_is_an_error_naming_the_model() {
        let mut s = MemoryStore { cross_encoder: true, ..store() };
        let err = rerank_texts(&mut s, "python developer", &["django", "damaged weights"], &Uninterrupted).unwrap_err();
        assert!(err.to_string().contains("the cross-encoder score is NaN (model ce@1)"), "{err}");
        assert_eq!(rerank_texts(&mut s, "python developer", &["django", "flask"], &Uninterrupted).unwrap(), [1.0, 0.0]);
    }

    #[test]
    fn rerank_errors_name_the_row_or_the_missing_model() {
        let message = |r: Result<Vec<f32>>| match r {
            Err(e) => e.to_string(),
            Ok(v) => format!("ok {v:?}"),
        };
        let mut s = MemoryStore { cross_encoder: true, ..store() };
        assert!(message(rerank_ids(&mut s, 1, &[2, 9], &Uninterrupted)).contains("job 9 does not exist"));
        assert!(message(rerank_ids(&mut s, 7, &[2], &Uninterrupted)).contains("resume 7 does not exist"));
        assert!(message(rerank_texts(&mut s, " ", &["django"], &Uninterrupted)).contains("resume text is empty"));
        let mut s = store();
        assert!(message(rerank_ids(&mut s, 1, &[2], &Uninterrupted)).contains("no cross-encoder is active"));
        assert!(message(rerank_texts(&mut s, "python", &["django"], &Uninterrupted)).contains("no cross-encoder is active"));
        assert_eq!(rerank_ids(&mut s, 1, &[], &Uninterrupted).unwrap(), Vec::<f32>::new(), "nothing to score needs no model");
    }
}
