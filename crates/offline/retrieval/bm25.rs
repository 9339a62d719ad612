//! Okapi BM25 over an in-memory inverted index.
//!
//! score(q, d) = sum over query terms t of
//!     w(t, q) * idf(t) * tf(t, d) * (k1 + 1) / (tf(t, d) + k1 * (1 - b + b * |d| / avgdl))
//! with Lucene's non-negative idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5)), terms from
//! [`analyze`], and w(t, q) = 1 for each distinct term ([`Bm25Params::REFERENCE`], the
//! benchmark README's baseline) or the term's count in the query
//! ([`Bm25Params::WEIGHTED_QUERY`]).

use std::collections::HashMap;

use super::analyzer::analyze;
use resonance_engine::ranking::top_k;
use resonance_engine::error::{EngineError, Result};

/// BM25's free parameters and text handling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25Params {
    /// Term-frequency saturation.
    pub k1: f64,
    /// Document-length normalisation (0 = none, 1 = full).
    pub b: f64,
    /// Drop the analyzer's English stopwords from documents and queries.
    pub drop_stopwords: bool,
    /// Weight a query term by its count in the query (else each distinct term counts once).
    pub count_query_terms: bool,
}

impl Bm25Params {
    /// The benchmark README's reference BM25: k1 = 1.2, b = 0.75 (Lucene's and
    /// Elasticsearch's defaults), no stopwords, distinct query terms. Reproduces its
    /// nDCG@10 / MRR exactly: onet 0.419 / 0.429, esco_ict 0.742 / 0.652.
    pub const REFERENCE: Self = Self { k1: 1.2, b: 0.75, drop_stopwords: false, count_query_terms: false };

    /// The reference with query-term counts and stopwords dropped, better for long resume
    /// queries: on the dev benchmark nDCG@10 / MRR onet 0.473 / 0.486, esco_ict 0.797 / 0.712.
    pub const WEIGHTED_QUERY: Self = Self { drop_stopwords: true, count_query_terms: true, ..Self::REFERENCE };
}

impl Default for Bm25Params {
    fn default() -> Self {
        Self::REFERENCE
    }
}

/// An inverted index of a fixed corpus, scoring queries by BM25.
pub struct Bm25Index {
    params: Bm25Params,
    /// term -> (document index, term frequency), documents ascending.
    postings: HashMap<String, Vec<(usize, u32)>>,
    doc_lengths: Vec<u32>,
    average_length: f64,
}

impl Bm25Index {
    /// Indexes `documents` (their positions are the indices scores refer to).
    pub fn build<S: AsRef<str>>(documents: &[S], params: Bm25Params) -> Result<Self> {
        if documents.is_empty() {
            return Err(EngineError::InvalidInput("BM25 needs at least one document".into()));
        }
        if !(params.k1 >= 0.0 && (0.0..=1.0).contains(&params.b)) {
            return Err(EngineError::InvalidInput(format!("BM25 needs k1 >= 0 and 0 <= b <= 1, got {params:?}")));
        }
        let mut postings: HashMap<String, Vec<(usize, u32)>> = HashMap::new();
        let mut doc_lengths = Vec::with_capacity(documents.len());
        for (doc, text) in documents.iter().enumerate() {
            let terms = analyze(text.as_ref(), params.drop_stopwords);
            doc_lengths.push(terms.len() as u32);
            let mut counts: HashMap<String, u32> = HashMap::new();
            for term in terms {
                *counts.entry(term).or_default() += 1;
            }
            for (term, tf) in counts {
                postings.entry(term).or_default().push((doc, tf));
            }
        }
        let average_length = doc_lengths.iter().map(|&l| l as f64).sum::<f64>() / documents.len() as f64;
        Ok(Self { params, postings, doc_lengths, average_length })
    }

    /// Number of indexed documents.
    pub fn len(&self) -> usize {
        self.doc_lengths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.doc_lengths.is_empty()
    }

    /// Lucene's idf of a term (an analysed term, e.g. from [`analyze`]).
    pub fn idf(&self, term: &str) -> f64 {
        let n = self.len() as f64;
        let df = self.postings.get(term).map_or(0, Vec::len) as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// BM25 score of `query` against every document, in document order.
    pub fn score_all(&self, query: &str) -> Vec<f32> {
        let Bm25Params { k1, b, .. } = self.params;
        let mut scores = vec![0.0f64; self.len()];
        for (term, weight) in self.query_terms(query) {
            let Some(postings) = self.postings.get(&term) else { continue };
            let idf = weight * self.idf(&term);
            for &(doc, tf) in postings {
                let tf = tf as f64;
                let length_ratio =
                    if self.average_length > 0.0 { self.doc_lengths[doc] as f64 / self.average_length } else { 1.0 };
                scores[doc] += idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * length_ratio));
            }
        }
        scores.into_iter().map(|s| s as f32).collect()
    }

    /// The query's terms with their weights w(t, q), in first-occurrence order.
    fn query_terms(&self, query: &str) -> Vec<(String, f64)> {
        let mut terms: Vec<(String, f64)> = Vec::new();
        let mut position: HashMap<String, usize> = HashMap::new();
        for term in analyze(query, self.params.drop_stopwords) {
            match position.get(&term) {
                Some(&i) if self.params.count_query_terms => terms[i].1 += 1.0,
                Some(_) => {}
                None => {
                    position.insert(term.clone(), terms.len());
                    terms.push((term, 1.0));
                }
            }
        }
        terms
    }

    /// The `k` best documents for `query` as (index, score), best first, ties by index.
    pub fn top_k(&self, query: &str, k: usize) -> Vec<(usize, f32)> {
        top_k(&self.score_all(query), k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(docs: &[&str]) -> Bm25Index {
        Bm25Index::build(docs, Bm25Params::REFERENCE).unwrap()
    }

    #[test]
    fn idf_is_lucenes_formula() {
        let idx = index(&["rust engineer", "python engineer", "nurse"]);
        // N = 3: "engineer" df 2, "nurse" df 1, unseen df 0.
        assert!((idx.idf("engineer") - (1.0f64 + 1.5 / 2.5).ln()).abs() < 1e-12);
        assert!((idx.idf("nurse") - (1.0f64 + 2.5 / 1.5).ln()).abs() < 1e-12);
        assert!((idx.idf("chef") - (1.0f64 + 3.5 / 0.5).ln()).abs() < 1e-12);
    }

    #[test]
    fn score_matches_hand_computation() {
        // doc 0: 4 terms with "rust" twice; doc 1: 2 terms. avgdl = 3.
        let idx = index(&["rust rust systems programming", "python scripting"]);
        let idf = (1.0f64 + 1.5 / 1.5).ln();
        let (k1, b) = (1.2, 0.75);
        let expected = idf * 2.0 * (k1 + 1.0) / (2.0 + k1 * (1.0 - b + b * 4.0 / 3.0));
        let scores = idx.score_all("Rust");
        assert!((scores[0] as f64 - expected).abs() < 1e-6, "{scores:?} vs {expected}");
        assert_eq!(scores[1], 0.0);
    }

    #[test]
    fn repeated_query_terms_count_once_in_the_reference_and_each_time_when_weighted() {
        let docs = ["rust developer", "java developer"];
        let reference = index(&docs);
        assert_eq!(reference.score_all("rust rust"), reference.score_all("rust"));
        let weighted = Bm25Index::build(&docs, Bm25Params::WEIGHTED_QUERY).unwrap();
        let once = weighted.score_all("rust")[0];
        assert!(once > 0.0);
        assert!((weighted.score_all("rust rust")[0] - 2.0 * once).abs() < 1e-6);
    }

    #[test]
    fn stopwords_score_only_when_kept() {
        let docs = ["the developer", "a nurse"];
        assert!(index(&docs).score_all("the")[0] > 0.0);
        let weighted = Bm25Index::build(&docs, Bm25Params::WEIGHTED_QUERY).unwrap();
        assert_eq!(weighted.score_all("the"), vec![0.0, 0.0]);
    }

    #[test]
    fn relevant_document_ranks_first() {
        let idx = index(&["registered nurse intensive care", "backend engineer python django", "pastry chef bakery"]);
        assert_eq!(idx.top_k("python web engineer", 2)[0].0, 1);
        assert_eq!(idx.top_k("python web engineer", 2).len(), 2);
    }

    #[test]
    fn unknown_terms_and_empty_queries_score_zero() {
        let idx = index(&["rust developer"]);
        assert_eq!(idx.score_all("kubernetes"), vec![0.0]);
        assert_eq!(idx.score_all(""), vec![0.0]);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(Bm25Index::build::<&str>(&[], Bm25Params::REFERENCE).is_err());
        assert!(Bm25Index::build(&["x"], Bm25Params { b: 1.5, ..Bm25Params::REFERENCE }).is_err());
        assert!(Bm25Index::build(&["x"], Bm25Params { k1: f64::NAN, ..Bm25Params::REFERENCE }).is_err());
    }
}
