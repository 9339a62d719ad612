//! A run: each resume's jobs, best first. Read and written in the benchmark's run format
//! (`resume_id<TAB>job_id<TAB>rank`) with metrics.py's rules: ranks may be any number,
//! ties are broken by job id, and a job listed twice keeps its best rank.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use super::files::{read_text, tsv_records};
use crate::error::{EngineError, Result};
use crate::ranking::rank_descending;

/// Ranked job ids per resume id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Run {
    rankings: BTreeMap<String, Vec<String>>,
}

impl Run {
    /// Sets a resume's ranking (best first); repeats of a job keep its first, best place.
    pub fn insert_ranking(&mut self, resume_id: &str, ranking: Vec<String>) {
        let mut seen = HashSet::new();
        let ranking = ranking.into_iter().filter(|job| seen.insert(job.clone())).collect();
        self.rankings.insert(resume_id.to_owned(), ranking);
    }

    /// Sets a resume's ranking from scores: higher first, ties broken by job id
    /// (metrics.py `scores_to_run`).
    pub fn insert_scores(&mut self, resume_id: &str, scores: Vec<(String, f32)>) {
        let ranking = rank_descending(scores).into_iter().map(|(job, _)| job).collect();
        self.insert_ranking(resume_id, ranking);
    }

    /// A resume's ranking, best first.
    pub fn ranking(&self, resume_id: &str) -> Option<&[String]> {
        self.rankings.get(resume_id).map(Vec::as_slice)
    }

    /// Resume ids that have a ranking.
    pub fn resume_ids(&self) -> impl Iterator<Item = &str> {
        self.rankings.keys().map(String::as_str)
    }

    /// Number of ranked resumes.
    pub fn len(&self) -> usize {
        self.rankings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rankings.is_empty()
    }

    /// Reads a run file.
    pub fn load(path: &Path) -> Result<Self> {
        Self::parse(&read_text(path)?, &path.display().to_string())
    }

    /// Parses run text; `origin` names the source in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut best: BTreeMap<String, HashMap<String, f64>> = BTreeMap::new();
        for record in tsv_records(text, origin)? {
            let Ok(rank) = record.fields[2].trim().parse::<f64>() else {
                continue; // a header line, as metrics.py treats it
            };
            if rank.is_nan() {
                return Err(EngineError::InvalidInput(format!("{origin} line {}: rank is NaN", record.line_number)));
            }
            let ranks = best.entry(record.fields[0].to_owned()).or_default();
            let slot = ranks.entry(record.fields[1].to_owned()).or_insert(rank);
            *slot = slot.min(rank);
        }
        let mut run = Self::default();
        for (resume_id, ranks) in best {
            let mut jobs: Vec<(String, f64)> = ranks.into_iter().collect();
            jobs.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            run.insert_ranking(&resume_id, jobs.into_iter().map(|(job, _)| job).collect());
        }
        Ok(run)
    }

    /// The run as TSV with 1-based ranks, each ranking cut at `depth` jobs if given.
    pub fn to_tsv(&self, depth: Option<usize>) -> String {
        let mut out = String::new();
        for (resume_id, ranking) in &self.rankings {
            for (index, job) in ranking.iter().take(depth.unwrap_or(usize::MAX)).enumerate() {
                let _ = writeln!(out, "{resume_id}\t{job}\t{}", index + 1);
            }
        }
        out
    }

    /// Writes the run as TSV (see [`Run::to_tsv`]).
    pub fn write(&self, path: &Path, depth: Option<usize>) -> Result<()> {
        std::fs::write(path, self.to_tsv(depth))
            .map_err(|e| EngineError::InvalidInput(format!("cannot write run file {}: {e}", path.display())))
    }
}
