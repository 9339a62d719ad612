//! `resonance_rerank`: the active cross-encoder's scores for (resume, job) pairs, through
//! the engine's pipeline (`resonance_engine::pipeline::rerank_texts` / `rerank_ids`) over the
//! Postgres store; stored pairs are answered from the score cache when it holds their score.

use pgrx::prelude::*;
use pgrx::Uuid;

use crate::postgres::error::{raise, PostgresInterrupt};
use crate::postgres::match_store::{PostgresMatchStore, Prefetch};
use crate::postgres::stats;
use resonance_engine::pipeline;

/// Scores in [0, 1] of `resume` against each of `jobs`, in input order; a NULL job gives NULL.
#[pg_extern(stable, strict, parallel_safe, name = "resonance_rerank")]
fn resonance_rerank_texts(resume: &str, jobs: Array<&str>) -> Vec<Option<f32>> {
    let _call = stats::Call::start("resonance_rerank");
    let jobs: Vec<Option<&str>> = jobs.iter().collect();
    let present: Vec<&str> = jobs.iter().flatten().copied().collect();
    let mut store = PostgresMatchStore::new(Prefetch::default());
    let scores = pipeline::rerank_texts(&mut store, resume, &present, &PostgresInterrupt).unwrap_or_else(|e| raise(e));
    let mut scores = scores.into_iter();
    jobs.iter().map(|j| j.and_then(|_| scores.next())).collect()
}

/// Scores of a stored resume against stored jobs (NULL ids are skipped), from the score
/// cache where it holds a valid score. Unknown ids are an ERROR naming them.
#[pg_extern(stable, strict, parallel_safe, name = "resonance_rerank")]
fn resonance_rerank_ids(
    resume_id: Uuid,
    job_ids: Array<Uuid>,
) -> TableIterator<'static, (name!(job_id, Uuid), name!(score, f32))> {
    let _call = stats::Call::start("resonance_rerank");
    let ids: Vec<Uuid> = job_ids.iter().flatten().collect();
    let mut store = PostgresMatchStore::new(Prefetch { resume: Some(resume_id), ..Prefetch::default() });
    let scores = pipeline::rerank_ids(&mut store, resume_id, &ids, &PostgresInterrupt).unwrap_or_else(|e| raise(e));
    TableIterator::new(ids.into_iter().zip(scores).collect::<Vec<_>>())
}
