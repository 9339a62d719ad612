//! What SQL can call. Each file is one family of SQL functions; none holds logic beyond
//! converting arguments and results around an engine call (the Postgres side of that is
//! `crate::postgres`).

mod ab_test;
mod encode;
mod evaluate;
mod matching;
mod occupations;
mod rerank;
mod skills;
mod stats;
