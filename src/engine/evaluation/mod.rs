//! Offline evaluation of a ranking system on the resume -> job benchmark
//! (`../shared/eval/`): its files, the relevance judgements, ranked runs and the metrics of
//! the reference scorer `metrics.py`, reimplemented so the engine's numbers equal its own.

pub mod benchmark;
pub mod files;
pub mod metrics;
pub mod qrels;
pub mod reserved;
pub mod run;
