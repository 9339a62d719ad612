//! First-stage retrieval over plain texts and embeddings: a BM25 index, cosine scoring,
//! and the one ranking rule both use.

pub mod analyzer;
pub mod bm25;
pub mod dense;
pub mod ranking;
