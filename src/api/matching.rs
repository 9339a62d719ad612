//! `resonance_match` and `resonance_explain`: read the rows, run stage 1 (HNSW retrieval
//! in sql/resonance.sql: resonance.retrieve_jobs), hand the candidates to the engine's
//! ranking, and return rows.

use std::cell::RefCell;
use std::time::Instant;

use pgrx::prelude::*;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{pg_sys, JsonB, PgLogLevel, Uuid};

use crate::postgres::model_cache::{bi_encoder, bi_projection, cross_encoder, registered_model, RegisteredModel};
use crate::postgres::error::{OrRaise, PostgresInterrupt, raise};
use crate::postgres::stats;
use crate::postgres::json_arg::JsonArg;
use crate::postgres::rerank_cache::{CacheKey, CachedPairScorer};
use crate::postgres::skill_cache::skills;
use resonance_engine::cross_encoder::BatchedReranker;
use resonance_engine::error::EngineError;
use resonance_engine::tokenization::has_content;
use resonance_engine::experience::ExperienceLevel;
use resonance_engine::explain::{explain, CandidateFacts, JobFacts, SkillEvidence};
use resonance_engine::fusion::{fuse, similarity_score, StageScores};
use resonance_engine::location::Place;
use resonance_engine::model_files::BASE_BI_ENCODER;
use resonance_engine::occupations::guess::{parse_guesses, OccupationGuess};
use resonance_engine::projection::Projection;
use resonance_engine::match_request::{CrossEncoderUse, MatchFilters, MatchOptions};
use resonance_engine::matching::{
    ms_since,
    rank_candidates, JobCandidate, JobText, ResumeText, PairScorer, RankedJob, ResumeInput, SkillScorer,
};
use crate::settings;

/// What an SPI failure in this file was doing (`OrRaise`).
const READING_ROWS: &str = "reading resumes and jobs";

thread_local! {
    /// Per-stage breakdown of this backend's last resonance_match call, with the role that
    /// made it: after SET ROLE another role must not read it (it names the resume).
    static LAST_MATCH_STATS: RefCell<Option<(pg_sys::Oid, serde_json::Value)>> = const { RefCell::new(None) };
}

/// The role the current statement runs as (SET ROLE and SECURITY DEFINER included).
fn current_role() -> pg_sys::Oid {
    // SAFETY: reads a backend global; no allocation, no error path.
    unsafe { pg_sys::GetUserId() }
}

/// A resume row as the pipeline needs it.
struct ResumeRow {
    text: String,
    embedding: Option<Vec<f32>>,
    facts: CandidateFacts,
}


fn level(name: Option<String>) -> Option<ExperienceLevel> {
    name.as_deref().and_then(ExperienceLevel::from_name)
}

fn load_resume(id: Uuid) -> ResumeRow {
    Spi::connect(|client| {
        let rows = client
            .select(
                "SELECT text, embedding::real[], city, country, remote_ok, experience_level::text, years_experience,
                        occupations::text
                 FROM resonance.resumes WHERE id = $1",
                Some(1),
                &[id.into()],
            )
            .or_raise(READING_ROWS);
        let Some(row) = rows.into_iter().next() else {
            raise(EngineError::NotFound(format!("resume {id} does not exist in resonance.resumes")))
        };
        let get_text = |i: usize| row.get::<String>(i).or_raise(READING_ROWS);
        ResumeRow {
            text: get_text(1).unwrap_or_default(),
            embedding: row.get::<Vec<f32>>(2).or_raise(READING_ROWS),
            facts: CandidateFacts {
                place: Place::new(get_text(3).as_deref(), get_text(4).as_deref()),
                remote_ok: row.get::<bool>(5).or_raise(READING_ROWS).unwrap_or(false),
                level: level(get_text(6)),
                years: row.get::<f32>(7).or_raise(READING_ROWS),
                occupations: stored_occupations(get_text(8), &format!("resume {id}")),
            },
        }
    })
}

/// A job row's facts and document, by id.
fn load_job(id: Uuid) -> (String, JobFacts, Option<Vec<f32>>) {
    Spi::connect(|client| {
        let rows = client
            .select(
                "SELECT resonance.job_document(title, description), title, city, country, remote,
                        experience_level::text, embedding::real[], occupations::text
                 FROM resonance.jobs WHERE id = $1",
                Some(1),
                &[id.into()],
            )
            .or_raise(READING_ROWS);
        let Some(row) = rows.into_iter().next() else {
            raise(EngineError::NotFound(format!("job {id} does not exist in resonance.jobs")))
        };
        let get_text = |i: usize| row.get::<String>(i).or_raise(READING_ROWS);
        let facts = JobFacts {
            title: get_text(2),
            occupations: stored_occupations(get_text(8), &format!("job {id}")),
            place: Place::new(get_text(3).as_deref(), get_text(4).as_deref()),
            remote: row.get::<bool>(5).or_raise(READING_ROWS).unwrap_or(false),
            level: level(get_text(6)),
        };
        (get_text(1).unwrap_or_default(), facts, row.get::<Vec<f32>>(7).or_raise(READING_ROWS))
    })
}

/// A row's stored occupations (`jobs.occupations`, `resumes.occupations`; `owner` names the
/// row in errors); none while pending.
fn stored_occupations(json: Option<String>, owner: &str) -> Vec<OccupationGuess> {
    json.map(|j| parse_guesses(&j, owner).unwrap_or_else(|e| raise(e))).unwrap_or_default()
}

/// The stored embedding, or one computed now (rows written with embed_on_write off). A
/// stored all-zero embedding (the tables refuse them now, but older rows may hold one) has
/// no direction to compare: every score would be NaN, so it is an error naming the row.
fn embedding_or_encode(stored: Option<Vec<f32>>, text: &str, row: &str) -> Vec<f32> {
    if stored.as_ref().is_some_and(|e| e.iter().all(|x| *x == 0.0)) {
        raise(EngineError::InvalidInput(format!(
            "{row} has an all-zero embedding: set it to NULL and CALL resonance_embed_pending(), or store a real one"
        )));
    }
    stored.unwrap_or_else(|| {
        if !has_content(text) {
            raise(EngineError::InvalidInput("cannot match: the row's text is empty".into()));
        }
        bi_encoder().encode_batch(&[text], &PostgresInterrupt).unwrap_or_else(|e| raise(e)).pop().unwrap_or_default()
    })
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The bi-encoder similarity of a resume embedding to job embeddings (stored, unit length):
/// their cosine, or with a fine-tuned bi-encoder active the cosine of their projections.
fn bi_similarities(projection: Option<&Projection>, resume: &[f32], jobs: &[Vec<f32>]) -> Vec<f32> {
    match projection {
        None => jobs.iter().map(|j| dot(resume, j)).collect(),
        Some(p) => {
            let r = p.apply(&[resume.to_vec()]).unwrap_or_else(|e| raise(e)).pop().unwrap_or_default();
            p.apply(jobs).unwrap_or_else(|e| raise(e)).iter().map(|j| dot(&r, j)).collect()
        }
    }
}

/// The stored embeddings of the jobs `ids`, in that order.
fn job_embeddings(ids: &[Uuid]) -> Vec<Vec<f32>> {
    Spi::connect(|client| {
        client
            .select(
                "SELECT j.embedding::real[] FROM unnest($1::uuid[]) WITH ORDINALITY AS w(id, n)
                 JOIN resonance.jobs j ON j.id = w.id ORDER BY w.n",
                None,
                &[ids.to_vec().into()],
            )
            .or_raise(READING_ROWS)
            .map(|row| row.get::<Vec<f32>>(1).or_raise(READING_ROWS).unwrap_or_default())
            .collect()
    })
}

/// Stage 1: the filtered nearest jobs, with ids kept beside the engine's candidates, and the
/// skills each job's text names when stored under the taxonomy in use (jobs.skill_ids).
fn retrieve(query: &[f32], filters: &MatchFilters, k: usize) -> (Vec<Uuid>, Vec<JobCandidate>, Vec<Option<Vec<Uuid>>>) {
    Spi::connect(|client| {
        let rows = client
            .select(
                "SELECT id, resonance.job_document(title, description), title, city, country, remote,
                        experience_level, occupations::text, cosine, skill_ids
                 FROM resonance.retrieve_jobs($1::real[]::vector, $2, $3, $4, $5, $6, $7)",
                None,
                &[
                    query.to_vec().into(),
                    (k as i32).into(),
                    filters.country.clone().into(),
                    filters.city.clone().into(),
                    filters.remote_only.into(),
                    filters.experience.map(|l| l.name().to_string()).into(),
                    filters.company.clone().into(),
                ],
            )
            .or_raise(READING_ROWS);
        let mut ids = Vec::new();
        let mut candidates = Vec::new();
        let mut stored_skills = Vec::new();
        let mut zero_embeddings = 0;
        for row in rows {
            // pgvector's cosine distance to an all-zero vector is NaN: such a job (stored
            // before the tables refused them) has no score, so it is left out, with a NOTICE.
            let cosine = row.get::<f32>(9).or_raise(READING_ROWS).unwrap_or(0.0);
            if !cosine.is_finite() {
                zero_embeddings += 1;
                continue;
            }
            let get_text = |i: usize| row.get::<String>(i).or_raise(READING_ROWS);
            let id = row.get::<Uuid>(1).or_raise(READING_ROWS).expect("primary key");
            ids.push(id);
            candidates.push(JobCandidate {
                document: get_text(2).unwrap_or_default(),
                facts: JobFacts {
                    title: get_text(3),
                    occupations: stored_occupations(get_text(8), &format!("job {id}")),
                    place: Place::new(get_text(4).as_deref(), get_text(5).as_deref()),
                    remote: row.get::<bool>(6).or_raise(READING_ROWS).unwrap_or(false),
                    level: level(get_text(7)),
                },
                cosine,
                skills: None,
            });
            stored_skills.push(row.get::<Vec<Uuid>>(10).or_raise(READING_ROWS));
        }
        if zero_embeddings > 0 {
            pgrx::notice!(
                "resonance_match: {zero_embeddings} job(s) with an all-zero embedding were left out; \
                 set their embedding to NULL and CALL resonance_embed_pending()"
            );
        }
        (ids, candidates, stored_skills)
    })
}

/// One run of the pipeline for one resume: the candidates with their ids, the ranked
/// result, and the per-stage breakdown.
pub struct MatchOutcome {
    pub ids: Vec<Uuid>,
    pub candidates: Vec<JobCandidate>,
    pub ranked: Vec<RankedJob>,
    pub latency_ms: f64,
    pub stats: serde_json::Value,
}

/// Runs resonance_match's pipeline: resume, stage 1 retrieval, skill graph, cross-encoder
/// (within its budget), fusion, explanations.
pub fn run_match(resume_id: Uuid, filters: &MatchFilters, options: &MatchOptions) -> MatchOutcome {
    let start = Instant::now();
    let t = Instant::now();
    let resume = load_resume(resume_id);
    let query = embedding_or_encode(resume.embedding.clone(), &resume.text, &format!("resume {resume_id}"));
    let resume_ms = ms_since(t);

    let t = Instant::now();
    let (ids, mut candidates, stored_skills) = retrieve(&query, filters, options.top_k_retrieve);
    let retrieval_ms = ms_since(t);

    // A fine-tuned bi-encoder rescores the candidates stage 1 found with the base embeddings.
    let t = Instant::now();
    let projection = bi_projection();
    if let Some((_, p)) = &projection {
        let similarities = bi_similarities(Some(p), &query, &job_embeddings(&ids));
        for (c, s) in candidates.iter_mut().zip(similarities) {
            c.cosine = s;
        }
    }
    let bi_rescore_ms = ms_since(t);

    let t = Instant::now();
    let taxonomy = options.use_skill_graph.then(skills).filter(|s| !s.index.is_empty());
    if let Some(loaded) = &taxonomy {
        for (c, stored) in candidates.iter_mut().zip(&stored_skills) {
            c.skills = stored.as_deref().and_then(|uuids| loaded.skill_ids(uuids));
        }
    }
    let skill_index_ms = ms_since(t);
    let skill_scorer = taxonomy.as_ref().map(|s| &s.index as &dyn SkillScorer);

    // Stage 3's model: the active cross-encoder, or the version the options name.
    let t = Instant::now();
    let reranker_model = reranker_model(options);
    let cross = reranker_model.as_ref().map(cross_encoder);
    let reranker = cross.as_ref().map(|m| BatchedReranker { model: m, batch_size: settings::batch_size() });
    let model_load_ms = ms_since(t);

    // Stage 3 reads resonance.rerank_scores first and computes only what it lacks.
    let t = Instant::now();
    let cache_key = reranker_model.as_ref().map(|model| CacheKey { resume_id, resume_text: &resume.text, model });
    let cached = reranker.as_ref().zip(cache_key.as_ref()).map(|(r, key)| CachedPairScorer::load(r, key, &ids, &candidates));
    let cache_read_ms = ms_since(t);

    let input = ResumeInput { text: resume.text.clone(), facts: resume.facts };
    let pair_scorer = cached.as_ref().map(|r| r as &dyn PairScorer);
    let (ranked, timings) = rank_candidates(&input, &candidates, skill_scorer, pair_scorer, options, &PostgresInterrupt)
        .unwrap_or_else(|e| raise(e));

    let t = Instant::now();
    let stored = cached.as_ref().zip(cache_key.as_ref()).map(|(c, key)| c.store(key, &ids, &candidates));
    let cache_write_ms = ms_since(t);

    let reranked = ranked.iter().filter(|r| r.scores.cross_encoder.is_some()).count();
    let latency_ms = ms_since(start);
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let stats = serde_json::json!({
        "resume_id": resume_id.to_string(),
        "candidates": candidates.len(),
        "returned": ranked.len(),
        "stages": {
            "bi_encoder": projection.as_ref().map_or(BASE_BI_ENCODER.to_string(), |(m, _)| format!("{}@{}", m.name, m.version)),
            "cross_encoder": reranker_model.as_ref().map(|m| format!("{}@{}", m.name, m.version)),
            "reranked_returned": reranked,
            "skill_graph": skill_scorer.is_some(),
            "explain": options.explain,
            // hits: candidates with a valid cache row; computed: distinct job texts scored now;
            // stored: rows written back (null: read-only, e.g. on a hot standby).
            "rerank_cache": cached.as_ref().map(|c| serde_json::json!({
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
    MatchOutcome { ids, candidates, ranked, latency_ms, stats }
}

/// The cross-encoder the options ask for: none when `use_cross_encoder` is off; the version
/// `model_version` names (an ERROR if it is not registered); else the active one. Without an
/// active one, stage 3 is left out: quietly by default, since none ships, and with a NOTICE
/// when the call asked for it with `"use_cross_encoder": true` (README, "Cross-encoder
/// fallback"). An active model whose files are missing or corrupt is still an ERROR: that is
/// a broken installation to repair, not a model that is absent.
fn reranker_model(options: &MatchOptions) -> Option<RegisteredModel> {
    if !options.use_cross_encoder.wanted() {
        return None;
    }
    if let Some(version) = options.model_version.as_deref() {
        return Some(registered_model("cross_encoder", Some(version)).unwrap_or_else(|| {
            raise(EngineError::NotFound(format!(
                "option \"model_version\": no cross-encoder version {version:?} in resonance.ml_models"
            )))
        }));
    }
    let active = registered_model("cross_encoder", None);
    if active.is_none() && options.use_cross_encoder == CrossEncoderUse::Requested {
        ErrorReport::new(
            PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
            "resonance: no cross-encoder is active, so nothing is reranked",
            pgrx::function_name!(),
        )
        .set_detail(
            "The options ask for \"use_cross_encoder\": true. The cross-encoder's score is NULL, and \
             the final score fuses the other stages with their weights renormalised.",
        )
        .set_hint(
            "Register a cross-encoder in resonance.ml_models and SELECT resonance_activate_model(name, version), \
             or pass \"use_cross_encoder\": false.",
        )
        .report(PgLogLevel::NOTICE);
    }
    active
}

/// The options of a call: the settings in force, then the call's JSON.
pub fn match_options(json: &serde_json::Value) -> MatchOptions {
    let defaults = MatchOptions { rerank_budget_ms: settings::rerank_budget_ms(), ..MatchOptions::default() };
    defaults.with_json(json).unwrap_or_else(|e| raise(e))
}

#[pg_extern(volatile, parallel_restricted)]
#[allow(clippy::type_complexity)]
fn resonance_match(
    resume_id: Uuid,
    filters: default!(JsonArg, "'{}'"),
    options: default!(JsonArg, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(job_id, Uuid),
        name!(title, Option<String>),
        name!(rank, i32),
        name!(bi_encoder_score, f32),
        name!(cross_encoder_score, Option<f32>),
        name!(skill_graph_score, Option<f32>),
        name!(final_score, f32),
        name!(explanation, Option<JsonB>),
        name!(latency_ms, f32),
    ),
> {
    let _call = stats::Call::start("resonance_match");
    let filters = MatchFilters::from_json(&filters.value("filters")).unwrap_or_else(|e| raise(e));
    let options = match_options(&options.value("options"));
    let MatchOutcome { ids, candidates, ranked, latency_ms, stats } = run_match(resume_id, &filters, &options);
    stats::record_match(&stats);
    LAST_MATCH_STATS.with(|s| *s.borrow_mut() = Some((current_role(), stats)));
    let rows: Vec<_> = ranked
        .into_iter()
        .map(|r| {
            let c = &candidates[r.candidate];
            (
                ids[r.candidate],
                c.facts.title.clone(),
                r.rank as i32,
                r.scores.bi_encoder.unwrap_or(0.0),
                r.scores.cross_encoder,
                r.scores.skill_graph,
                r.final_score,
                r.explanation.map(|e| JsonB(e.to_json())),
                latency_ms as f32,
            )
        })
        .collect();
    TableIterator::new(rows)
}

/// Per-stage timings and counts of this session's last resonance_match call made by the
/// current role (NULL if none).
#[pg_extern(volatile, parallel_restricted)]
fn resonance_last_match_stats() -> Option<JsonB> {
    let role = current_role();
    LAST_MATCH_STATS.with(|s| s.borrow().as_ref().filter(|(by, _)| *by == role).map(|(_, v)| JsonB(v.clone())))
}

/// The explanation of one (resume, job) pair given as texts: skills and the fused score;
/// experience and location are unknown without rows. Scored as resonance_match would with
/// default options.
#[pg_extern(stable, strict, parallel_safe, name = "resonance_explain")]
fn resonance_explain_text(resume: &str, job: &str) -> JsonB {
    let _call = stats::Call::start("resonance_explain");
    explain_texts(resume, job, &match_options(&serde_json::json!({})))
}

/// As above, scored with the caller's `options` (resonance_match's: weights,
/// use_cross_encoder, use_skill_graph, model_version). No DEFAULT, so that a two-argument
/// call is never ambiguous between the two forms.
#[pg_extern(stable, strict, parallel_safe, name = "resonance_explain")]
fn resonance_explain_text_with_options(resume: &str, job: &str, options: JsonArg) -> JsonB {
    let _call = stats::Call::start("resonance_explain");
    explain_texts(resume, job, &match_options(&options.value("options")))
}

fn explain_texts(resume: &str, job: &str, options: &MatchOptions) -> JsonB {
    for (what, text) in [("resume", resume), ("job", job)] {
        if !has_content(text) {
            raise(EngineError::InvalidInput(format!("cannot explain: {what} text is empty")));
        }
    }
    let v = bi_encoder().encode_batch(&[resume, job], &PostgresInterrupt).unwrap_or_else(|e| raise(e));
    let facts = JobFacts::default();
    explanation_json(resume, job, pair_similarity(&v[0], &v[1]), &facts, &CandidateFacts::default(), options)
}

/// The explanation of a stored (resume, job) pair, with their locations and levels, scored
/// as resonance_match would with default options.
#[pg_extern(stable, strict, parallel_safe, name = "resonance_explain")]
fn resonance_explain_ids(resume_id: Uuid, job_id: Uuid) -> JsonB {
    let _call = stats::Call::start("resonance_explain");
    explain_ids(resume_id, job_id, &match_options(&serde_json::json!({})))
}

/// As above, scored with the caller's `options`.
#[pg_extern(stable, strict, parallel_safe, name = "resonance_explain")]
fn resonance_explain_ids_with_options(resume_id: Uuid, job_id: Uuid, options: JsonArg) -> JsonB {
    let _call = stats::Call::start("resonance_explain");
    explain_ids(resume_id, job_id, &match_options(&options.value("options")))
}

fn explain_ids(resume_id: Uuid, job_id: Uuid, options: &MatchOptions) -> JsonB {
    let resume = load_resume(resume_id);
    let (document, facts, job_embedding) = load_job(job_id);
    let r = embedding_or_encode(resume.embedding.clone(), &resume.text, &format!("resume {resume_id}"));
    let j = embedding_or_encode(job_embedding, &document, &format!("job {job_id}"));
    explanation_json(&resume.text, &document, pair_similarity(&r, &j), &facts, &resume.facts, options)
}

/// The bi-encoder similarity of one pair, with the active bi-encoder.
fn pair_similarity(resume: &[f32], job: &[f32]) -> f32 {
    let projection = bi_projection();
    bi_similarities(projection.as_ref().map(|(_, p)| p.as_ref()), resume, &[job.to_vec()])[0]
}

/// The skill graph's evidence for one pair (empty when no taxonomy is loaded).
fn skill_evidence(resume: ResumeText<'_>, job: &str, occupations: &[OccupationGuess]) -> SkillEvidence {
    skills().index.evidence(resume, &[JobText { occupations, document: job, skills: None }]).pop().unwrap_or_default()
}

/// The explanation with the score resonance_match would give the pair under `options`:
/// bi-encoder, skill graph and the cross-encoder the options ask for, fused with their
/// weights.
fn explanation_json(
    resume: &str,
    job: &str,
    cos: f32,
    job_facts: &JobFacts,
    candidate: &CandidateFacts,
    options: &MatchOptions,
) -> JsonB {
    let skills = if options.use_skill_graph {
        let occupations = if options.use_resume_occupations { candidate.occupations.as_slice() } else { &[] };
        skill_evidence(ResumeText { text: resume, occupations }, job, &job_facts.occupations)
    } else {
        SkillEvidence::default()
    };
    let ce = reranker_model(options).map(|m| cross_encoder(&m).score_batch(resume, &[job], &PostgresInterrupt).unwrap_or_else(|e| raise(e))[0]);
    let scores = StageScores { cross_encoder: ce, bi_encoder: Some(similarity_score(cos)), skill_graph: skills.score };
    JsonB(explain(fuse(scores, options.weights), skills, job_facts, candidate).to_json())
}
