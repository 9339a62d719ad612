//! The benchmark's ranking metrics, equal to `../shared/eval/metrics.py` (tested against it):
//!
//! - nDCG@k: DCG = sum over ranks i = 1..k of (2^grade - 1) / log2(i + 1); the ideal DCG
//!   is the DCG of the resume's own judged grades sorted descending, cut at k.
//! - MRR: 1 / rank of the first same-occupation posting (grade 2) in the whole ranking, 0 if none.
//! - Recall@k: share of the resume's grade-2 postings in the top k (0 if it has none).
//!
//! Grade-1 postings count only in nDCG. Every metric is averaged over all judged resumes;
//! a resume missing from the run scores 0, resumes that are in the run but not judged are
//! ignored.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::qrels::{Qrels, SAME_OCCUPATION_GRADE};
use super::run::Run;
use crate::error::{EngineError, Result};

/// The nDCG cutoffs of metrics.py (`DEFAULT_KS`).
pub const NDCG_CUTOFFS: [usize; 2] = [10, 25];
/// metrics.py computes Recall at the largest nDCG cutoff.
pub const RECALL_CUTOFF: usize = 25;
/// Names of the metrics, as metrics.py prints them, in [`QueryScores::values`] order.
pub const METRIC_NAMES: [&str; 4] = ["nDCG@10", "nDCG@25", "MRR", "Recall@25"];
/// z of a two-sided 95 % normal interval, as metrics.py's `_ci95` uses.
const Z_95: f64 = 1.96;

/// Discounted cumulative gain of grades listed in rank order.
pub fn dcg(grades: impl IntoIterator<Item = u32>) -> f64 {
    grades.into_iter().enumerate().map(|(i, g)| (2f64.powi(g as i32) - 1.0) / ((i + 2) as f64).log2()).sum()
}

/// nDCG of the top `k` of `ranking` against one resume's judged `grades`.
pub fn ndcg_at_k(ranking: &[String], grades: &HashMap<String, u32>, k: usize) -> f64 {
    let mut ideal: Vec<u32> = grades.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ideal_dcg = dcg(ideal.into_iter().take(k));
    if ideal_dcg <= 0.0 {
        return 0.0;
    }
    dcg(ranking.iter().take(k).map(|job| grades.get(job).copied().unwrap_or(0))) / ideal_dcg
}

/// 1 / rank of the first same-occupation posting in the whole ranking, 0 if none.
pub fn reciprocal_rank(ranking: &[String], grades: &HashMap<String, u32>) -> f64 {
    ranking
        .iter()
        .position(|job| grades.get(job).is_some_and(|g| *g >= SAME_OCCUPATION_GRADE))
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

/// Share of the resume's same-occupation postings found in the top `k` (0 if it has none).
pub fn recall_at_k(ranking: &[String], grades: &HashMap<String, u32>, k: usize) -> f64 {
    let relevant = grades.values().filter(|g| **g >= SAME_OCCUPATION_GRADE).count();
    if relevant == 0 {
        return 0.0;
    }
    let found =
        ranking.iter().take(k).filter(|job| grades.get(*job).is_some_and(|g| *g >= SAME_OCCUPATION_GRADE)).count();
    found as f64 / relevant as f64
}

/// The four metrics of one resume (or their means or confidence half-widths over resumes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueryScores {
    pub ndcg_at_10: f64,
    pub ndcg_at_25: f64,
    pub mrr: f64,
    pub recall_at_25: f64,
}

impl QueryScores {
    /// Scores one resume's ranking (empty when the run lacks the resume).
    pub fn of(ranking: &[String], grades: &HashMap<String, u32>) -> Self {
        Self {
            ndcg_at_10: ndcg_at_k(ranking, grades, NDCG_CUTOFFS[0]),
            ndcg_at_25: ndcg_at_k(ranking, grades, NDCG_CUTOFFS[1]),
            mrr: reciprocal_rank(ranking, grades),
            recall_at_25: recall_at_k(ranking, grades, RECALL_CUTOFF),
        }
    }

    /// The metrics in [`METRIC_NAMES`] order.
    pub fn values(&self) -> [f64; 4] {
        [self.ndcg_at_10, self.ndcg_at_25, self.mrr, self.recall_at_25]
    }

    /// Builds scores from values in [`METRIC_NAMES`] order.
    pub fn from_values(v: [f64; 4]) -> Self {
        Self { ndcg_at_10: v[0], ndcg_at_25: v[1], mrr: v[2], recall_at_25: v[3] }
    }
}

/// The metrics of a run: per-resume scores, their means and 95 % interval half-widths.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricReport {
    /// Per judged resume, in byte order of the resume id.
    pub per_query: Vec<(String, QueryScores)>,
    pub mean: QueryScores,
    /// 1.96 x sample standard deviation / sqrt(queries), metrics.py's `<metric>_ci95`.
    pub ci95: QueryScores,
    pub queries: usize,
    pub queries_missing_from_run: usize,
}

impl MetricReport {
    /// The report as metrics.py's `evaluate` returns it: `{"nDCG@10": .., "nDCG@10_ci95": .., ...,
    /// "queries": n, "queries_missing_from_run": m}`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        for (name, value) in METRIC_NAMES.iter().zip(self.mean.values()) {
            out.insert((*name).to_owned(), json!(value));
        }
        for (name, value) in METRIC_NAMES.iter().zip(self.ci95.values()) {
            out.insert(format!("{name}_ci95"), json!(value));
        }
        out.insert("queries".into(), json!(self.queries));
        out.insert("queries_missing_from_run".into(), json!(self.queries_missing_from_run));
        Value::Object(out)
    }
}

/// Scores `run` against `qrels`: every judged resume counts, missing ones as 0.
pub fn evaluate(run: &Run, qrels: &Qrels) -> Result<MetricReport> {
    if qrels.is_empty() {
        return Err(EngineError::InvalidInput("no judged resumes: the qrels are empty".into()));
    }
    let per_query: Vec<(String, QueryScores)> = qrels
        .by_resume()
        .map(|(q, grades)| (q.to_owned(), QueryScores::of(run.ranking(q).unwrap_or(&[]), grades)))
        .collect();
    let n = per_query.len() as f64;
    let mut mean = [0.0; 4];
    let mut ci95 = [0.0; 4];
    for m in 0..4 {
        let values: Vec<f64> = per_query.iter().map(|(_, s)| s.values()[m]).collect();
        mean[m] = values.iter().sum::<f64>() / n;
        let spread = values.iter().map(|x| (x - mean[m]).powi(2)).sum::<f64>();
        let sd = if values.len() > 1 { (spread / (n - 1.0)).sqrt() } else { 0.0 };
        ci95[m] = Z_95 * sd / n.sqrt();
    }
    let queries_missing_from_run = qrels.resume_ids().filter(|q| run.ranking(q).is_none()).count();
    Ok(MetricReport {
        queries: per_query.len(),
        per_query,
        mean: QueryScores::from_values(mean),
        ci95: QueryScores::from_values(ci95),
        queries_missing_from_run,
    })
}
