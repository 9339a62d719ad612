//! Offline work over the engine: building the kg_* taxonomy tables from the pinned sources,
//! training (bi-encoder projection, cross-encoder, skill GNN, title encoder), hard-negative mining, BM25,
//! the benchmark reader and the programs' command lines. Nothing here is served.

pub mod cli;
pub mod copy_text;
pub mod evaluation;
pub mod gnn;
pub mod mining;
pub mod occupations;
pub mod retrieval;
pub mod sources;
pub mod taxonomy;
pub mod title_encoder;
pub mod training;
