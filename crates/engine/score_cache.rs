//! The cross-encoder score cache's rules, wherever its rows live (in Postgres,
//! `resonance.rerank_scores`): when a stored score may stand in for a fresh one, and which
//! scores a match writes back.
//!
//! A row belongs to (resume, job, model) and carries the fingerprints of the two texts the
//! model read and the truncation length it read them at. It is used only while all of these
//! still match the texts being ranked, so a row edited since is scored afresh, never given
//! its old score.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use md5::{Digest, Md5};

use super::error::Result;
use super::interrupt::Interrupt;
use super::matching::{JobCandidate, PairScorer};

/// The fingerprint of a text the cross-encoder read: the md5 of its UTF-8 bytes, the same
/// 16 bytes as `resonance.rerank_text_key` (`md5(body)::uuid`, sql/resonance.sql) in a UTF-8
/// database. Computed here, so that texts are not sent back to SQL to be hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextKey(pub [u8; 16]);

impl TextKey {
    pub fn of(text: &str) -> Self {
        TextKey(Md5::digest(text.as_bytes()).into())
    }
}

/// A cache row as read with a candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CachedScore {
    pub resume_key: TextKey,
    pub job_key: TextKey,
    pub max_seq_length: usize,
    pub score: f32,
}

/// What a score is computed from, besides the job's text: the resume's text and the
/// truncation length of the cross-encoder (a registered model version is immutable, so the
/// model itself is part of the row's key, not of its validity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreBasis {
    pub resume_key: TextKey,
    pub max_seq_length: usize,
}

impl CachedScore {
    /// Whether this is, by construction, the score a fresh computation gives: same resume
    /// text, same job text, same truncation.
    pub fn valid_for(&self, basis: &ScoreBasis, job_key: TextKey) -> bool {
        self.resume_key == basis.resume_key && self.max_seq_length == basis.max_seq_length && self.job_key == job_key
    }
}

/// A cross-encoder behind the cache: known texts are answered from it, the rest go to the
/// model once per distinct text (re-postings of a job share their text and so their score).
pub struct CachedPairScorer<'a> {
    model: &'a dyn PairScorer,
    /// Job text -> score: the valid cache rows of the candidates, then what was computed.
    scores: RefCell<HashMap<String, f32>>,
    /// Candidates answered by their own cache row.
    hits: Vec<bool>,
    /// Distinct job texts scored by the model in this call.
    computed: Cell<usize>,
    /// What the scores are computed from, and each candidate's text key: a write-back's row.
    basis: ScoreBasis,
    job_keys: Vec<TextKey>,
}

impl<'a> CachedPairScorer<'a> {
    /// In front of `model` reading `resume` at `max_seq_length`, for `candidates` with the
    /// cache row read with each (`cached`, None: no row); the text keys are computed here.
    pub fn for_texts(
        model: &'a dyn PairScorer,
        resume: &str,
        max_seq_length: usize,
        candidates: &[JobCandidate],
        cached: &[Option<CachedScore>],
    ) -> Self {
        let basis = ScoreBasis { resume_key: TextKey::of(resume), max_seq_length };
        let job_keys: Vec<TextKey> = candidates.iter().map(|c| TextKey::of(&c.document)).collect();
        Self::new(model, &basis, candidates, cached, &job_keys)
    }

    /// In front of `model`, for `candidates` with the cache row read with each (`cached`,
    /// None: no row) and the key of each one's text (`job_keys`).
    pub fn new(
        model: &'a dyn PairScorer,
        basis: &ScoreBasis,
        candidates: &[JobCandidate],
        cached: &[Option<CachedScore>],
        job_keys: &[TextKey],
    ) -> Self {
        let mut scores = HashMap::new();
        let hits: Vec<bool> = cached
            .iter()
            .zip(job_keys)
            .map(|(row, key)| row.as_ref().is_some_and(|r| r.valid_for(basis, *key)))
            .collect();
        for ((c, row), hit) in candidates.iter().zip(cached).zip(&hits) {
            if let (true, Some(row)) = (hit, row) {
                scores.insert(c.document.clone(), row.score);
            }
        }
        Self { model, scores: RefCell::new(scores), hits, computed: Cell::new(0), basis: *basis, job_keys: job_keys.to_vec() }
    }

    /// Candidates answered by their own cache row.
    pub fn hits(&self) -> usize {
        self.hits.iter().filter(|&&h| h).count()
    }

    /// Distinct job texts the model scored in this call.
    pub fn computed(&self) -> usize {
        self.computed.get()
    }

    /// What the scores are computed from (a write-back row's resume key and truncation).
    pub fn basis(&self) -> ScoreBasis {
        self.basis
    }

    /// The key of candidate `i`'s text.
    pub fn job_key(&self, i: usize) -> TextKey {
        self.job_keys[i]
    }

    /// What to write back: each candidate without a valid row of its own whose score is
    /// known now (computed, or found under another candidate of the same text), with it.
    pub fn new_scores(&self, candidates: &[JobCandidate]) -> Vec<(usize, f32)> {
        let scores = self.scores.borrow();
        candidates
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.hits[*i])
            .filter_map(|(i, c)| scores.get(&c.document).map(|&s| (i, s)))
            .collect()
    }
}

impl PairScorer for CachedPairScorer<'_> {
    fn score(&self, resume: &str, jobs: &[&str], interrupt: &dyn Interrupt) -> Result<Vec<f32>> {
        let mut missing: Vec<&str> = jobs.iter().copied().filter(|j| self.known(j).is_none()).collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let fresh = self.model.score(resume, &missing, interrupt)?;
            self.computed.set(self.computed.get() + missing.len());
            let mut scores = self.scores.borrow_mut();
            for (job, score) in missing.iter().zip(fresh) {
                scores.insert(job.to_string(), score);
            }
        }
        let scores = self.scores.borrow();
        Ok(jobs.iter().map(|j| scores.get(*j).copied().unwrap_or(0.0)).collect())
    }

    fn known(&self, job: &str) -> Option<f32> {
        self.scores.borrow().get(job).copied()
    }

    fn recent_ms_per_pair(&self) -> Option<f64> {
        self.model.recent_ms_per_pair()
    }

    fn observe_ms_per_pair(&self, ms: f64) {
        self.model.observe_ms_per_pair(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::JobFacts;
    use crate::interrupt::Uninterrupted;

    #[test]
    fn text_keys_are_sql_md5() {
        // SELECT md5(''), md5('a'), md5('ü') in a UTF-8 database.
        let hex = |k: TextKey| k.0.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(TextKey::of("")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex(TextKey::of("a")), "0cc175b9c0f1b6a831c399e269772661");
        assert_eq!(hex(TextKey::of("ü")), "c03410a5204b21cd8229ff754688d743");
    }

    fn candidate(doc: &str) -> JobCandidate {
        JobCandidate { document: doc.into(), facts: JobFacts::default(), cosine: 0.5, skills: None }
    }

    /// Scores every text 0.25, counting the texts it was asked for.
    struct Counting(Cell<usize>);
    impl PairScorer for Counting {
        fn score(&self, _: &str, jobs: &[&str], _: &dyn Interrupt) -> Result<Vec<f32>> {
            self.0.set(self.0.get() + jobs.len());
            Ok(vec![0.25; jobs.len()])
        }
    }

    #[test]
    fn a_row_counts_only_for_the_texts_and_truncation_it_was_computed_from() {
        let basis = ScoreBasis { resume_key: TextKey::of("resume"), max_seq_length: 256 };
        let row = |job: &str, max_seq_length| {
            Some(CachedScore { resume_key: basis.resume_key, job_key: TextKey::of(job), max_seq_length, score: 0.9 })
        };
        let cands = [candidate("a"), candidate("b"), candidate("c"), candidate("d")];
        let cached = [
            row("a", 256),
            row("an older b", 256),
            row("c", 128),
            Some(CachedScore { resume_key: TextKey::of("another resume"), ..row("d", 256).unwrap() }),
        ];
        let keys: Vec<TextKey> = cands.iter().map(|c| TextKey::of(&c.document)).collect();
        let model = Counting(Cell::new(0));
        let cache = CachedPairScorer::new(&model, &basis, &cands, &cached, &keys);
        assert_eq!(cache.hits(), 1);
        assert_eq!(cache.known("a"), Some(0.9));
        assert_eq!(cache.score("resume", &["a", "b", "c", "d"], &Uninterrupted).unwrap(), [0.9, 0.25, 0.25, 0.25]);
        assert_eq!((cache.computed(), model.0.get()), (3, 3));
        assert_eq!(cache.new_scores(&cands), [(1, 0.25), (2, 0.25), (3, 0.25)]);
    }

    #[test]
    fn a_text_is_scored_once_and_written_for_every_candidate_holding_it() {
        let basis = ScoreBasis { resume_key: TextKey::of("resume"), max_seq_length: 256 };
        let cands = [candidate("same"), candidate("same"), candidate("other")];
        let keys: Vec<TextKey> = cands.iter().map(|c| TextKey::of(&c.document)).collect();
        let hit = CachedScore { resume_key: basis.resume_key, job_key: keys[0], max_seq_length: 256, score: 0.7 };
        let model = Counting(Cell::new(0));
        let cache = CachedPairScorer::new(&model, &basis, &cands, &[Some(hit), None, None], &keys);
        assert_eq!(cache.score("resume", &["same", "same", "other", "other"], &Uninterrupted).unwrap(), [0.7, 0.7, 0.25, 0.25]);
        assert_eq!(model.0.get(), 1, "one distinct text was missing");
        // The second "same" had no row of its own: it is written with the first one's score.
        assert_eq!(cache.new_scores(&cands), [(1, 0.7), (2, 0.25)]);
    }
}
