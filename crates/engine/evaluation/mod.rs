//! Scoring rankings on the resume -> job benchmark format: relevance judgements, ranked runs
//! and the metrics of the reference scorer `metrics.py`, reimplemented so the engine's
//! numbers equal its own. Served by `resonance_evaluate`; the benchmark files themselves
//! are read by `resonance-offline`.

pub mod files;
pub mod metrics;
pub mod qrels;
pub mod run;
