//! `resonance_match` and `resonance_explain`: parse the arguments, run the engine's pipeline
//! (`resonance_engine::pipeline`) over the Postgres store (`postgres::match_store`), return
//! rows.

use std::cell::RefCell;

use pgrx::prelude::*;
use pgrx::{pg_sys, JsonB, Uuid};

use crate::postgres::error::{raise, PostgresInterrupt};
use crate::postgres::json_arg::JsonArg;
use crate::postgres::match_store::{PostgresMatchStore, Prefetch};
use crate::postgres::stats;
use crate::settings;
use resonance_engine::error::EngineError;
use resonance_engine::match_request::{MatchFilters, MatchOptions};
use resonance_engine::pipeline::{self, MatchOutcome};

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

/// The options of a call: the settings in force, then the call's JSON.
pub fn match_options(json: &serde_json::Value) -> MatchOptions {
    let defaults = MatchOptions { rerank_budget_ms: settings::rerank_budget_ms(), ..MatchOptions::default() };
    defaults.with_json(json).unwrap_or_else(|e| raise(e))
}

/// The store for a call about `resume` (and `job`) under `options`: it reads what the call
/// will need in its first query.
fn store(resume: Option<Uuid>, job: Option<Uuid>, options: &MatchOptions) -> PostgresMatchStore {
    PostgresMatchStore::new(Prefetch { resume, job, cross_encoder_version: options.model_version.clone() })
}

/// Runs resonance_match's pipeline for one resume.
pub fn run_match(resume_id: Uuid, filters: &MatchFilters, options: &MatchOptions) -> MatchOutcome<Uuid> {
    let mut store = store(Some(resume_id), None, options);
    pipeline::run_match(&mut store, resume_id, filters, options, &PostgresInterrupt).unwrap_or_else(|e| raise(e))
}

#[pg_extern(volatile, parallel_restricted)]
#[allow(clippy::type_complexity)]
fn resonance_match(
    resume_id: Option<Uuid>,
    filters: default!(Option<JsonArg>, "'{}'"),
    options: default!(Option<JsonArg>, "'{}'"),
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
    // Not STRICT: a NULL argument (Python's None) would otherwise return no rows, which reads
    // as "no job fits". '{}' is what means "no filters" or "default options".
    let null = |name: &str| -> ! { raise(EngineError::NullArgument(name.into())) };
    let resume_id = resume_id.unwrap_or_else(|| null("resume_id"));
    let filters = filters.unwrap_or_else(|| null("filters"));
    let options = options.unwrap_or_else(|| null("options"));
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
    let explained = pipeline::explain_texts(&mut store(None, None, options), resume, job, options, &PostgresInterrupt);
    JsonB(explained.unwrap_or_else(|e| raise(e)).to_json())
}

/// The explanation of a stored (resume, job) pair, with their locations and levels and the
/// job's stored skills, scored as resonance_match would with default options.
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
    let mut store = store(Some(resume_id), Some(job_id), options);
    let explained = pipeline::explain_ids(&mut store, resume_id, job_id, options, &PostgresInterrupt);
    JsonB(explained.unwrap_or_else(|e| raise(e)).to_json())
}
