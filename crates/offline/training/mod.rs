//! Training machinery, all on CPU and deterministic for a seed: which tensors train and
//! where the rest come from (`weights`), losses, AdamW with savable state, the learning
//! rate schedule, the loop with resumable checkpoints (`trainer`), augmentation for the
//! bi-encoder's pairs, the bi-encoder in training form, and a tiny generated BERT for
//! tests. Programs in crates/offline/bin drive it; the cross-encoder's training form is
//! `CrossEncoder::for_training`.

pub mod augmentation;
pub mod embedding_cache;
pub mod trainable_bi_encoder;
pub mod losses;
pub mod occupations;
pub mod optimizer;
pub mod pairs;
pub mod projection_training;
pub mod schedule;
pub mod synthetic;
pub mod tiny_model;
pub mod trainer;

