//! `resonance_rerank`: the active cross-encoder's scores for (resume, job) pairs.

use std::rc::Rc;

use pgrx::prelude::*;
use pgrx::Uuid;

use crate::postgres::stats;
use crate::postgres::model_cache::{cross_encoder, registered_model};
use crate::postgres::error::{OrRaise, PostgresInterrupt, raise};
use resonance_engine::cross_encoder::CrossEncoder;
use resonance_engine::error::EngineError;
use resonance_engine::tokenization::has_content;
use crate::settings;

/// The active cross-encoder, or an ERROR (55000) saying how to get one. Unlike stage 3 of
/// resonance_match, which ranks without reranking when none is active, this function has
/// nothing else to return: NULL scores would read as "no score for this job", not as "no
/// model" (README, "Cross-encoder fallback").
pub fn active_cross_encoder() -> Rc<CrossEncoder> {
    match registered_model("cross_encoder", None) {
        Some(model) => cross_encoder(&model),
        None => raise(EngineError::NotSetUp(
            "no cross-encoder is active in resonance.ml_models (none ships): register a \
             BertForSequenceClassification checkpoint and SELECT resonance_activate_model(name, version) (see README)"
                .into(),
        )),
    }
}

fn score(resume: &str, jobs: &[&str]) -> Vec<f32> {
    if !has_content(resume) {
        raise(EngineError::InvalidInput("cannot rerank: resume text is empty".into()));
    }
    active_cross_encoder()
        .score_pairs(resume, jobs, settings::batch_size(), &PostgresInterrupt, |_, _| Ok(()))
        .unwrap_or_else(|e| raise(e))
}

/// Scores in [0, 1] of `resume` against each of `jobs`, in input order; a NULL job gives NULL.
#[pg_extern(stable, strict, parallel_safe, name = "resonance_rerank")]
fn resonance_rerank_texts(resume: &str, jobs: Array<&str>) -> Vec<Option<f32>> {
    let _call = stats::Call::start("resonance_rerank");
    let jobs: Vec<Option<&str>> = jobs.iter().collect();
    let present: Vec<&str> = jobs.iter().flatten().copied().collect();
    let mut scores = if present.is_empty() { Vec::new() } else { score(resume, &present) }.into_iter();
    jobs.iter().map(|j| j.and_then(|_| scores.next())).collect()
}

/// Scores of a stored resume against stored jobs. Unknown ids are an ERROR naming them.
#[pg_extern(stable, strict, parallel_safe, name = "resonance_rerank")]
fn resonance_rerank_ids(
    resume_id: Uuid,
    job_ids: Array<Uuid>,
) -> TableIterator<'static, (name!(job_id, Uuid), name!(score, f32))> {
    let _call = stats::Call::start("resonance_rerank");
    let ids: Vec<Uuid> = job_ids.iter().flatten().collect();
    let (resume, docs) = Spi::connect(|client| {
        let resume = client
            .select("SELECT text FROM resonance.resumes WHERE id = $1", Some(1), &[resume_id.into()])
            .ok()
            .and_then(|rows| rows.first().get_one::<String>().ok().flatten())
            .unwrap_or_else(|| raise(EngineError::NotFound(format!("resume {resume_id} does not exist in resonance.resumes"))));
        // One query for all jobs, then back into the caller's order.
        let mut found: std::collections::HashMap<Uuid, String> = std::collections::HashMap::new();
        let rows = client
            .select(
                "SELECT id, resonance.job_document(title, description) FROM resonance.jobs WHERE id = ANY($1)",
                None,
                &[ids.clone().into()],
            )
            .or_raise("reading resonance.jobs");
        for row in rows {
            if let (Ok(Some(id)), Ok(doc)) = (row.get::<Uuid>(1), row.get::<String>(2)) {
                found.insert(id, doc.unwrap_or_default());
            }
        }
        let docs: Vec<String> = ids
            .iter()
            .map(|id| {
                found.get(id).cloned().unwrap_or_else(|| {
                    raise(EngineError::NotFound(format!("job {id} does not exist in resonance.jobs")))
                })
            })
            .collect();
        (resume, docs)
    });
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let scores = if refs.is_empty() { Vec::new() } else { score(&resume, &refs) };
    TableIterator::new(ids.into_iter().zip(scores).collect::<Vec<_>>())
}
