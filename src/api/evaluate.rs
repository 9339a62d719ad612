//! `resonance_evaluate`: runs the match pipeline for every resume of a labelled set and
//! scores the rankings with the engine's metrics (equal to ../shared/eval/metrics.py).

use std::collections::HashMap;

use pgrx::prelude::*;
use pgrx::{JsonB, Uuid};

use crate::postgres::json_arg::JsonArg;
use crate::api::matching::{match_options, run_match};
use crate::postgres::error::{OrRaise, check_for_interrupts, raise};
use resonance_engine::error::EngineError;
use resonance_engine::evaluation::metrics::evaluate;
use resonance_engine::evaluation::qrels::Qrels;
use resonance_engine::evaluation::run::Run;
use resonance_engine::match_request::MatchFilters;

/// Ranks every resume named in `qrels` (the name of a table or view with columns resume_id uuid,
/// job_id uuid, grade int) with resonance_match's pipeline under `options`, and returns
/// nDCG@10, nDCG@25, MRR and Recall@25 as metrics.py reports them. The run is recorded in
/// resonance.ml_training_runs (run_type 'evaluation') unless the server is a standby.
/// Rankings are 100 deep unless the options say otherwise, so MRR sees past rank 25.
#[pg_extern(volatile, parallel_unsafe)]
fn resonance_evaluate(
    qrels: Option<&str>,
    options: default!(Option<JsonArg>, "'{}'"),
    label: default!(Option<String>, "NULL"),
) -> JsonB {
    // Not STRICT, so that label may be NULL; the other two may not.
    let qrels = qrels.unwrap_or_else(|| raise(EngineError::NullArgument("qrels".into())));
    let mut map = options.unwrap_or_else(|| raise(EngineError::NullArgument("options".into()))).object("options");
    map.entry("top_k_retrieve").or_insert(100.into());
    map.entry("top_k_final").or_insert(100.into());
    map.entry("explain").or_insert(false.into());
    let json = serde_json::Value::Object(map);
    let options_used = match_options(&json);
    // The cast checks that the name is an existing relation and quotes it safely.
    let table = Spi::get_one_with_args::<String>("SELECT $1::regclass::text", &[qrels.into()])
        .ok()
        .flatten()
        .unwrap_or_else(|| raise(EngineError::NotFound(format!("qrels: no table or view named {qrels:?}"))));

    let mut judged = Qrels::default();
    let mut resume_uuids: HashMap<String, Uuid> = HashMap::new();
    Spi::connect(|client| {
        let rows = client
            .select(&format!("SELECT resume_id::text, job_id::text, grade::int, resume_id::uuid FROM {table}"), None, &[])
            .unwrap_or_else(|e| {
                raise(EngineError::InvalidInput(format!(
                    "{table} must have columns resume_id uuid, job_id uuid, grade int: {e}"
                )))
            });
        for row in rows {
            // A judgement with a NULL part judges nothing: refused, never read as "" or 0.
            let null = |column: &str| -> ! { raise(EngineError::NullArgument(format!("{table}.{column} (in a judgement)"))) };
            let text = |i: usize, column: &str| row.get::<String>(i).ok().flatten().unwrap_or_else(|| null(column));
            let grade = row.get::<i32>(3).ok().flatten().unwrap_or_else(|| null("grade"));
            let text = |i: usize| text(i, ["resume_id", "job_id"][i - 1]);
            if grade < 0 {
                raise(EngineError::InvalidInput(format!("{table}: grades must be >= 0, got {grade}")));
            }
            judged.insert(&text(1), &text(2), grade as u32);
            if let Some(id) = row.get::<Uuid>(4).ok().flatten() {
                resume_uuids.insert(text(1), id);
            }
        }
    });
    if judged.is_empty() {
        raise(EngineError::InvalidInput(format!("{table} holds no judgements")));
    }

    let start = std::time::Instant::now();
    let mut run = Run::default();
    let resumes: Vec<String> = judged.resume_ids().map(str::to_string).collect();
    for resume in &resumes {
        check_for_interrupts();
        let outcome = run_match(resume_uuids[resume], &MatchFilters::default(), &options_used);
        let ranking = outcome.ranked.iter().map(|r| outcome.ids[r.candidate].to_string()).collect();
        run.insert_ranking(resume, ranking);
    }
    let report = evaluate(&run, &judged).unwrap_or_else(|e| raise(e));
    let mut metrics = report.to_json();
    if let serde_json::Value::Object(m) = &mut metrics {
        let secs = start.elapsed().as_secs_f64();
        m.insert("seconds".into(), ((secs * 100.0).round() / 100.0).into());
        m.insert("ms_per_resume".into(), ((secs * 1e4 / resumes.len() as f64).round() / 10.0).into());
    }
    record(&table, &json, &metrics, label.as_deref());
    JsonB(metrics)
}

/// Stores the evaluation in resonance.ml_training_runs (skipped on a read-only standby).
fn record(table: &str, options: &serde_json::Value, metrics: &serde_json::Value, label: Option<&str>) {
    // SAFETY: a plain read of backend state. (Spi::get_one would take a transaction id,
    // which a standby refuses.)
    if unsafe { pgrx::pg_sys::RecoveryInProgress() } {
        return;
    }
    let config = serde_json::json!({ "qrels": table, "options": options, "label": label });
    Spi::run_with_args(
        "INSERT INTO resonance.ml_training_runs (run_type, config, metrics, status, finished_at)
         VALUES ('evaluation', $1, $2, 'finished', now())",
        &[JsonB(config).into(), JsonB(metrics.clone()).into()],
    )
    .or_raise("recording the evaluation");
}
