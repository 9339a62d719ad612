//! First-stage retrieval over plain texts and embeddings: a BM25 index, cosine scoring,
//! both ranked by `engine::ranking`.

pub mod analyzer;
pub mod bm25;
pub mod dense;

