//! What SQL can call. Each file is one family of SQL functions; none holds logic beyond
//! converting arguments and results around an engine call.

mod ab_test;
mod encode;
mod evaluate;
mod json_arg;
mod matching;
mod model_cache;
mod rerank;
mod rerank_cache;
mod schema;
mod skill_index;
mod skills;
