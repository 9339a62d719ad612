//! The labelled dev benchmark (`../shared/eval/`): its files, read into the engine's
//! judgement and run types.

pub mod benchmark;
