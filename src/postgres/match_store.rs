//! The rows and models of the match pipeline in Postgres (`resonance_engine::pipeline::
//! MatchStore`): rows over SPI, models from the backend's caches (`model_cache`,
//! `skill_cache`), the cross-encoder score cache in `resonance.rerank_scores`.
//!
//! Round trips: a call's first need reads, in one query, everything it needs before stage 1:
//! the resume, for resonance_explain the job, the active bi-encoder, the cross-encoder the
//! call names (or the active one) and the taxonomy's stamp. Stage 1 is a second query, which
//! reads each candidate's cached cross-encoder score with it. A third writes the scores a
//! call computed, when there are any and the transaction may write. A fine-tuned bi-encoder
//! adds one, for the candidates' stored embeddings. So a match is two round trips (three
//! when it fills the cache), an explanation one (two with a cross-encoder: the pair's cached
//! score), resonance_rerank of stored rows two (the resume and model, then the jobs with
//! their cached scores).

use std::cell::RefCell;
use std::rc::Rc;

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiHeapTupleData};
use pgrx::{pg_sys, PgBuiltInOids, PgLogLevel, PgOid, Uuid};

use crate::postgres::error::{raise, OrRaise, PostgresInterrupt};
use crate::postgres::kg_version::{stamp_columns, CurrentTaxonomy, STAMP_COLUMNS};
use crate::postgres::model_cache::{
    bi_encoder, bi_projection, cross_encoder, registered_model_query, RegisteredModel, MODEL_COLUMNS,
};
use crate::postgres::skill_cache::{skills_at, LoadedSkills};
use crate::settings;
use resonance_engine::cross_encoder::BatchedReranker;
use resonance_engine::error::{EngineError, Result};
use resonance_engine::experience::ExperienceLevel;
use resonance_engine::explain::{CandidateFacts, JobFacts};
use resonance_engine::location::Place;
use resonance_engine::matching::JobCandidate;
use resonance_engine::occupations::guess::{parse_guesses, OccupationGuess};
use resonance_engine::pipeline::{
    JobRow, MatchStore, NewScores, Notice, Reranker, ResumeRow, Retrieval, Retrieved, StoredPair,
};
use resonance_engine::projection::Projection;
use resonance_engine::score_cache::{CachedScore, TextKey};

/// What an SPI failure in this file was doing (`OrRaise`).
const READING_ROWS: &str = "reading resumes and jobs";
const SCORE_CACHE: &str = "resonance.rerank_scores";

/// What a call will ask for, so that its first query reads it all.
#[derive(Default)]
pub struct Prefetch {
    pub resume: Option<Uuid>,
    pub job: Option<Uuid>,
    /// The cross-encoder version the call names (None: the active one).
    pub cross_encoder_version: Option<String>,
}

/// The pipeline's store for one SQL call.
pub struct PostgresMatchStore {
    prefetch: Prefetch,
    context: Option<Context>,
}

/// What the first query read.
struct Context {
    resume: Option<ResumeRow>,
    job: Option<StoredJob>,
    job_embedding: Option<Vec<f32>>,
    job_occupations_stale: bool,
    /// The taxonomy's stamp, and whether the caller may use the skill index.
    taxonomy: CurrentTaxonomy,
    bi_encoder: Option<RegisteredModel>,
    cross_encoder: Option<RegisteredModel>,
}

/// A job row with its stored skills as kg_skills ids (`jobs.skill_ids`; None when they are
/// pending or were stored under another taxonomy).
struct StoredJob {
    id: Uuid,
    document: String,
    facts: JobFacts,
    skill_ids: Option<Vec<Uuid>>,
}

impl PostgresMatchStore {
    pub fn new(prefetch: Prefetch) -> Self {
        PostgresMatchStore { prefetch, context: None }
    }

    /// The first query's rows, read on first need.
    fn context(&mut self) -> &Context {
        let prefetch = &self.prefetch;
        self.context.get_or_insert_with(|| read_context(prefetch))
    }

    /// Makes the next `context()` read `change`d rows, if they differ from what it read:
    /// a call that asks for rows it did not announce still gets them (in one more query).
    fn expect(&mut self, change: impl FnOnce(&mut Prefetch) -> bool) {
        if change(&mut self.prefetch) {
            self.context = None;
        }
    }
}

/// The columns of a job row that `stored_job` reads, in its order, from table or function
/// result `t` (a job's skills follow them; each query says which it trusts).
fn job_columns(t: &str) -> String {
    format!(
        "{t}.id, resonance.job_document({t}.title, {t}.description), {t}.title, {t}.city, {t}.country, \
         {t}.remote, {t}.experience_level::text, {t}.occupations::text"
    )
}

/// The job in the columns `first..` of `row` laid out by `job_columns` and followed by its
/// skills; None where they are NULL (no such job).
fn stored_job(row: &SpiHeapTupleData<'_>, first: usize) -> Option<StoredJob> {
    let id = row.get::<Uuid>(first).or_raise(READING_ROWS)?;
    let text = |i: usize| row.get::<String>(first + i).or_raise(READING_ROWS);
    Some(StoredJob {
        id,
        document: text(1).unwrap_or_default(),
        facts: JobFacts {
            title: text(2),
            place: Place::new(text(3).as_deref(), text(4).as_deref()),
            remote: row.get::<bool>(first + 5).or_raise(READING_ROWS).unwrap_or(false),
            level: level(text(6)),
            occupations: stored_occupations(text(7), &format!("job {id}")),
        },
        skill_ids: row.get::<Vec<Uuid>>(first + 8).or_raise(READING_ROWS),
    })
}

fn level(name: Option<String>) -> Option<ExperienceLevel> {
    name.as_deref().and_then(ExperienceLevel::from_name)
}

/// A row's stored occupations (`jobs.occupations`, `resumes.occupations`; `owner` names the
/// row in errors); none while pending.
fn stored_occupations(json: Option<String>, owner: &str) -> Vec<OccupationGuess> {
    json.map(|j| parse_guesses(&j, owner).unwrap_or_else(|e| raise(e))).unwrap_or_default()
}

/// The first query: the announced rows (NULL columns for what was not announced or does
/// not exist), the taxonomy's stamp (as `kg_version::current_stamp` reads it) and the models.
/// Parameters: resume uuid, job uuid, cross-encoder version text.
fn context_query() -> String {
    format!(
        "SELECT r.id, r.text, r.embedding::real[], r.city, r.country, r.remote_ok, r.experience_level::text,
                r.years_experience, r.occupations::text,
                r.occupations IS NULL OR r.occupations_kg_version IS DISTINCT FROM k.version,
                {job}, CASE WHEN j.occupations_kg_version = k.version THEN j.skill_ids END, j.embedding::real[],
                j.occupations IS NULL OR j.occupations_kg_version IS DISTINCT FROM k.version,
                {stamp}, bi.*, ce.*
         FROM (SELECT) AS one
         LEFT JOIN resonance.kg_version k ON true
         LEFT JOIN resonance.resumes r ON r.id = $1
         LEFT JOIN resonance.jobs j ON j.id = $2
         LEFT JOIN LATERAL ({bi}) AS bi ON true
         LEFT JOIN LATERAL ({ce}) AS ce ON true",
        // Stored skills are used under the taxonomy they were stored with, as
        // resonance.retrieve_jobs returns them.
        job = job_columns("j"),
        stamp = stamp_columns("k"),
        bi = registered_model_query("'bi_encoder'", "NULL"),
        ce = registered_model_query("'cross_encoder'", "$3"),
    )
}

/// Stage 1 (resonance.retrieve_jobs) with each job's cached cross-encoder score of a resume
/// under a model. Parameters: query real[], k, the five filters, resume uuid, model uuid
/// (NULL: no scores).
fn retrieval_query() -> String {
    format!(
        "SELECT {job}, r.skill_ids, r.cosine, s.resume_key, s.job_key, s.max_seq_length, s.score,
                NOT r.occupations_current
         FROM resonance.retrieve_jobs($1::real[]::vector, $2, $3, $4, $5, $6, $7) WITH ORDINALITY AS r
         LEFT JOIN resonance.rerank_scores s ON s.resume_id = $8 AND s.model_id = $9 AND s.job_id = r.id
         ORDER BY r.ordinality",
        job = job_columns("r"),
    )
}

/// The cache row in columns `first..` of `row` (resume_key, job_key, max_seq_length, score
/// of resonance.rerank_scores); None where they are NULL (no row).
fn cached_score(row: &SpiHeapTupleData<'_>, first: usize) -> Option<CachedScore> {
    let key = |i: usize| row.get::<Uuid>(first + i).or_raise(SCORE_CACHE).map(|u| TextKey(*u.as_bytes()));
    let max_seq_length = row.get::<i32>(first + 2).or_raise(SCORE_CACHE)?;
    let score = row.get::<f32>(first + 3).or_raise(SCORE_CACHE)?;
    Some(CachedScore { resume_key: key(0)?, job_key: key(1)?, max_seq_length: max_seq_length as usize, score })
}

/// The two queries every resonance_match call runs.
#[derive(Clone, Copy)]
enum Kept {
    Context,
    Retrieval,
}

thread_local! {
    static KEPT: RefCell<[Option<Rc<OwnedPreparedStatement>>; 2]> = const { RefCell::new([None, None]) };
}

/// The backend's plan of `query`, prepared on first use and kept (SPI_keepplan): parsing and
/// planning the first query, a join of five relations, took 0.2 ms per call where running it
/// takes 0.08 (bench database), more than the three queries it replaced cost together.
/// Postgres replans a kept plan itself when an object it uses changes.
fn kept_plan(client: &SpiClient<'_>, query: Kept) -> Rc<OwnedPreparedStatement> {
    if let Some(plan) = KEPT.with(|k| k.borrow()[query as usize].clone()) {
        return plan;
    }
    let (uuid, text) = (PgBuiltInOids::UUIDOID, PgBuiltInOids::TEXTOID);
    let (sql, types) = match query {
        Kept::Context => (context_query(), vec![uuid, uuid, text]),
        Kept::Retrieval => {
            let (reals, int, bool) = (PgBuiltInOids::FLOAT4ARRAYOID, PgBuiltInOids::INT4OID, PgBuiltInOids::BOOLOID);
            (retrieval_query(), vec![reals, int, text, text, bool, text, text, uuid, uuid])
        }
    };
    let args: Vec<PgOid> = types.into_iter().map(PgOid::BuiltIn).collect();
    let plan = Rc::new(client.prepare(sql.as_str(), &args).or_raise(READING_ROWS).keep());
    KEPT.with(|k| k.borrow_mut()[query as usize] = Some(plan.clone()));
    plan
}

/// The column (counted from 1, as SPI counts) where `context_query`'s stamp columns start:
/// after the resume's 10 columns (its occupations' staleness last), the job's
/// (`job_columns`), its skill ids, its embedding and its occupations' staleness.
const STAMP_AT: usize = 22;

fn read_context(prefetch: &Prefetch) -> Context {
    Spi::connect(|client| {
        let rows = client
            .select(
                &*kept_plan(&client, Kept::Context),
                Some(1),
                &[prefetch.resume.into(), prefetch.job.into(), prefetch.cross_encoder_version.clone().into()],
            )
            .or_raise(READING_ROWS);
        // (SELECT) LEFT JOIN ...: exactly one row, whatever exists.
        let row = rows
            .into_iter()
            .next()
            .unwrap_or_else(|| raise(EngineError::Internal("the match's first query returned no row".into())));
        let text = |i: usize| row.get::<String>(i).or_raise(READING_ROWS);
        let resume = row.get::<Uuid>(1).or_raise(READING_ROWS).map(|id| ResumeRow {
            text: text(2).unwrap_or_default(),
            embedding: row.get::<Vec<f32>>(3).or_raise(READING_ROWS),
            facts: CandidateFacts {
                place: Place::new(text(4).as_deref(), text(5).as_deref()),
                remote_ok: row.get::<bool>(6).or_raise(READING_ROWS).unwrap_or(false),
                level: level(text(7)),
                years: row.get::<f32>(8).or_raise(READING_ROWS),
                occupations: stored_occupations(text(9), &format!("resume {id}")),
            },
            occupations_stale: row.get::<bool>(10).or_raise(READING_ROWS).unwrap_or(true),
        });
        Context {
            resume,
            job: stored_job(&row, 11),
            job_embedding: row.get::<Vec<f32>>(20).or_raise(READING_ROWS),
            job_occupations_stale: row.get::<bool>(21).or_raise(READING_ROWS).unwrap_or(true),
            taxonomy: CurrentTaxonomy::from_row(&row, STAMP_AT),
            bi_encoder: RegisteredModel::from_row(&row, STAMP_AT + STAMP_COLUMNS),
            cross_encoder: RegisteredModel::from_row(&row, STAMP_AT + STAMP_COLUMNS + MODEL_COLUMNS),
        }
    })
}

impl MatchStore for PostgresMatchStore {
    type Id = Uuid;
    type Skills = LoadedSkills;
    type Model = Uuid;
    type Scorer = BatchedReranker;

    fn resume(&mut self, id: Uuid) -> Result<Option<ResumeRow>> {
        self.expect(|p| p.resume.replace(id) != Some(id));
        Ok(self.context().resume.clone())
    }

    fn job(&mut self, id: Uuid, skills: Option<&LoadedSkills>) -> Result<Option<JobRow>> {
        self.expect(|p| p.job.replace(id) != Some(id));
        let context = self.context();
        Ok(context.job.as_ref().map(|job| JobRow {
            document: job.document.clone(),
            facts: job.facts.clone(),
            embedding: context.job_embedding.clone(),
            skills: skills.zip(job.skill_ids.as_deref()).and_then(|(s, stored)| s.skill_ids(stored)),
            occupations_stale: context.job_occupations_stale,
        }))
    }

    fn retrieve(&mut self, request: Retrieval<'_, Uuid, Uuid, LoadedSkills>) -> Result<Vec<Retrieved<Uuid>>> {
        let Retrieval { query, filters, k, skills, cached_scores } = request;
        Ok(Spi::connect(|client| {
            client
                .select(
                    &*kept_plan(&client, Kept::Retrieval),
                    None,
                    &[
                        query.to_vec().into(),
                        (k as i32).into(),
                        filters.country.clone().into(),
                        filters.city.clone().into(),
                        filters.remote_only.into(),
                        filters.experience.map(|l| l.name().to_string()).into(),
                        filters.company.clone().into(),
                        cached_scores.map(|(resume, _)| resume).into(),
                        cached_scores.map(|(_, model)| *model).into(),
                    ],
                )
                .or_raise(READING_ROWS)
                .map(|row| {
                    let job = stored_job(&row, 1).unwrap_or_else(|| {
                        raise(EngineError::Internal("resonance.retrieve_jobs returned a job without an id".into()))
                    });
                    let cached = cached_score(&row, 11);
                    Retrieved {
                        id: job.id,
                        job: JobCandidate {
                            document: job.document,
                            facts: job.facts,
                            // NaN for an all-zero stored embedding (pgvector's cosine distance
                            // to it): the pipeline leaves such a job out.
                            cosine: row.get::<f32>(10).or_raise(READING_ROWS).unwrap_or(0.0),
                            skills: skills.zip(job.skill_ids.as_deref()).and_then(|(s, stored)| s.skill_ids(stored)),
                        },
                        cached,
                        occupations_stale: row.get::<bool>(15).or_raise(READING_ROWS).unwrap_or(true),
                    }
                })
                .collect()
        }))
    }

    fn job_embeddings(&mut self, ids: &[Uuid]) -> Result<Vec<Vec<f32>>> {
        Ok(Spi::connect(|client| {
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
        }))
    }

    fn stored_pairs(&mut self, resume: Uuid, model: &Uuid, ids: &[Uuid]) -> Result<Vec<Option<StoredPair>>> {
        Ok(Spi::connect(|client| {
            client
                .select(
                    "SELECT j.id, resonance.job_document(j.title, j.description),
                            s.resume_key, s.job_key, s.max_seq_length, s.score
                     FROM unnest($3::uuid[]) WITH ORDINALITY AS w(id, n)
                     LEFT JOIN resonance.jobs j ON j.id = w.id
                     LEFT JOIN resonance.rerank_scores s ON s.resume_id = $1 AND s.model_id = $2 AND s.job_id = w.id
                     ORDER BY w.n",
                    None,
                    &[resume.into(), (*model).into(), ids.to_vec().into()],
                )
                .or_raise(READING_ROWS)
                .map(|row| {
                    row.get::<Uuid>(1).or_raise(READING_ROWS).map(|_| StoredPair {
                        document: row.get::<String>(2).or_raise(READING_ROWS).unwrap_or_default(),
                        cached: cached_score(&row, 3),
                    })
                })
                .collect()
        }))
    }

    fn store_scores(&mut self, new: NewScores<'_, Uuid, Uuid>) -> Result<Option<usize>> {
        if !may_write() {
            return Ok(None);
        }
        if new.jobs.is_empty() {
            return Ok(Some(0));
        }
        Spi::connect_mut(|client| {
            client
                .update(
                    "SELECT resonance.store_rerank_scores($1, $2, $3, $4, $5, $6, $7)",
                    None,
                    &[
                        new.resume.into(),
                        (*new.model).into(),
                        (new.basis.max_seq_length as i32).into(),
                        Uuid::from_bytes(new.basis.resume_key.0).into(),
                        new.jobs.iter().map(|j| j.0).collect::<Vec<_>>().into(),
                        new.jobs.iter().map(|j| Uuid::from_bytes(j.1 .0)).collect::<Vec<_>>().into(),
                        new.jobs.iter().map(|j| j.2).collect::<Vec<_>>().into(),
                    ],
                )
                .or_raise(SCORE_CACHE);
        });
        Ok(Some(new.jobs.len()))
    }

    fn encode(&mut self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        bi_encoder().encode_batch(texts, &PostgresInterrupt)
    }

    fn bi_projection(&mut self) -> Result<Option<(String, Rc<Projection>)>> {
        let model = self.context().bi_encoder.clone();
        Ok(bi_projection(model).map(|(m, p)| (m.label(), p)))
    }

    fn skill_index(&mut self) -> Result<Option<Rc<LoadedSkills>>> {
        let loaded = skills_at(self.context().taxonomy);
        Ok((!loaded.index.is_empty()).then_some(loaded))
    }

    fn cross_encoder(&mut self, version: Option<&str>) -> Result<Option<Reranker<Uuid, BatchedReranker>>> {
        self.expect(|p| {
            let changed = p.cross_encoder_version.as_deref() != version;
            p.cross_encoder_version = version.map(str::to_string);
            changed
        });
        Ok(self.context().cross_encoder.clone().map(|model| Reranker {
            model: model.id,
            label: model.label(),
            scorer: BatchedReranker { model: cross_encoder(&model), batch_size: settings::batch_size() },
            max_seq_length: settings::max_seq_length(),
        }))
    }

    fn notice(&mut self, notice: Notice) {
        let mut report =
            ErrorReport::new(PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION, notice.message(), pgrx::function_name!());
        if let Some(detail) = notice.detail() {
            report = report.set_detail(detail);
        }
        if let Some(hint) = notice.hint() {
            report = report.set_hint(hint);
        }
        report.report(PgLogLevel::NOTICE);
    }
}

/// Whether this transaction may write the cache: not on a hot standby (RecoveryInProgress),
/// not in a READ ONLY transaction, not inside a parallel operation (no writes allowed there).
fn may_write() -> bool {
    // SAFETY: plain reads of backend-local state, in the backend's own thread.
    unsafe { !pg_sys::RecoveryInProgress() && !pg_sys::XactReadOnly && !pg_sys::IsInParallelMode() }
}
