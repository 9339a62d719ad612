//! The cross-encoder score cache, `resonance.rerank_scores`: read before stage 3 of
//! `resonance_match`, written back after it when the transaction may write.
//!
//! An entry belongs to (resume, job, model) and carries a hash of the two texts the model
//! read and the truncation length it read them at (sql/resonance.sql:
//! resonance.cached_rerank_scores). It is used only while all of these still match the
//! texts being ranked, so a row edited since is scored afresh, never given its old score.

use std::cell::RefCell;
use std::collections::HashMap;

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::{pg_sys, Uuid};

use crate::postgres::model_cache::RegisteredModel;
use crate::postgres::error::OrRaise;
use resonance_engine::error::Result;
use resonance_engine::interrupt::Interrupt;
use resonance_engine::matching::{JobCandidate, PairScorer};
use crate::settings;

/// What an SPI failure in this file was doing (`OrRaise`).
const SCORE_CACHE: &str = "resonance.rerank_scores";

/// A cross-encoder behind the cache: known texts are answered from it, the rest go to the
/// model once per distinct text (re-postings of a job share their text and so their score).
pub struct CachedPairScorer<'a> {
    model: &'a dyn PairScorer,
    /// Job text -> score: the cache rows read for this resume, then what was computed.
    scores: RefCell<HashMap<String, f32>>,
    /// Candidates answered by their own cache row.
    hits: Vec<bool>,
    /// Distinct job texts scored by the model in this call.
    computed: RefCell<usize>,
}

/// Where the cache rows of one match call live.
pub struct CacheKey<'a> {
    pub resume_id: Uuid,
    pub resume_text: &'a str,
    pub model: &'a RegisteredModel,
}

impl<'a> CacheKey<'a> {
    /// The leading arguments of resonance.cached_rerank_scores and store_rerank_scores,
    /// followed by `rest`.
    fn args(&self, rest: impl IntoIterator<Item = DatumWithOid<'a>>) -> Vec<DatumWithOid<'a>> {
        let key = [
            self.resume_id.into(),
            self.model.id.into(),
            (settings::max_seq_length() as i32).into(),
            self.resume_text.into(),
        ];
        key.into_iter().chain(rest).collect()
    }
}


impl<'a> CachedPairScorer<'a> {
    /// Reads the cache rows of `key` for the candidates (one query), in front of `model`.
    pub fn load(model: &'a dyn PairScorer, key: &CacheKey<'_>, ids: &[Uuid], candidates: &[JobCandidate]) -> Self {
        let mut scores = HashMap::new();
        let mut hits = vec![false; candidates.len()];
        if !candidates.is_empty() {
            let position: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
            Spi::connect(|client| {
                let rows = client
                    .select(
                        "SELECT job_id, score FROM resonance.cached_rerank_scores($1, $2, $3, $4, $5, $6)",
                        None,
                        &key.args([ids.to_vec().into(), documents(candidates).into()]),
                    )
                    .or_raise(SCORE_CACHE);
                for row in rows {
                    let id = row.get::<Uuid>(1).or_raise(SCORE_CACHE);
                    let score = row.get::<f32>(2).or_raise(SCORE_CACHE);
                    if let (Some(i), Some(score)) = (id.and_then(|id| position.get(&id).copied()), score) {
                        hits[i] = true;
                        scores.insert(candidates[i].document.clone(), score);
                    }
                }
            });
        }
        Self { model, scores: RefCell::new(scores), hits, computed: RefCell::new(0) }
    }

    /// Candidates answered by their own cache row.
    pub fn hits(&self) -> usize {
        self.hits.iter().filter(|&&h| h).count()
    }

    /// Distinct job texts the model scored in this call.
    pub fn computed(&self) -> usize {
        *self.computed.borrow()
    }

    /// Writes the scores known now for candidates that had no valid cache row, unless this
    /// transaction may not write (a hot standby, a read-only transaction, a parallel
    /// operation): then the cache is only read. Returns the rows written, None if read-only.
    pub fn store(&self, key: &CacheKey<'_>, ids: &[Uuid], candidates: &[JobCandidate]) -> Option<usize> {
        if !may_write() {
            return None;
        }
        let scores = self.scores.borrow();
        let new: Vec<(Uuid, &JobCandidate, f32)> = candidates
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.hits[*i])
            .filter_map(|(i, c)| scores.get(&c.document).map(|&s| (ids[i], c, s)))
            .collect();
        if new.is_empty() {
            return Some(0);
        }
        Spi::connect_mut(|client| {
            client
                .update(
                    "SELECT resonance.store_rerank_scores($1, $2, $3, $4, $5, $6, $7)",
                    None,
                    &key.args([
                        new.iter().map(|n| n.0).collect::<Vec<_>>().into(),
                        new.iter().map(|n| n.1.document.clone()).collect::<Vec<_>>().into(),
                        new.iter().map(|n| n.2).collect::<Vec<_>>().into(),
                    ]),
                )
                .or_raise(SCORE_CACHE);
        });
        Some(new.len())
    }
}

impl PairScorer for CachedPairScorer<'_> {
    fn score(&self, resume: &str, jobs: &[&str], interrupt: &dyn Interrupt) -> Result<Vec<f32>> {
        let mut missing: Vec<&str> = jobs.iter().copied().filter(|j| self.known(j).is_none()).collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let fresh = self.model.score(resume, &missing, interrupt)?;
            *self.computed.borrow_mut() += missing.len();
            let mut scores = self.scores.borrow_mut();
            for (job, score) in missing.iter().zip(fresh) {
                scores.insert(job.to_string(), score);
            }
        }
        let scores = self.scores.borrow();
        Ok(jobs.iter().map(|j| scores[*j]).collect())
    }

    fn known(&self, job: &str) -> Option<f32> {
        self.scores.borrow().get(job).copied()
    }
}

fn documents(candidates: &[JobCandidate]) -> Vec<String> {
    candidates.iter().map(|c| c.document.clone()).collect()
}

/// Whether this transaction may write the cache: not on a hot standby (RecoveryInProgress),
/// not in a READ ONLY transaction, not inside a parallel operation (no writes allowed there).
fn may_write() -> bool {
    // SAFETY: plain reads of backend-local state, in the backend's own thread.
    unsafe { !pg_sys::RecoveryInProgress() && !pg_sys::XactReadOnly && !pg_sys::IsInParallelMode() }
}
