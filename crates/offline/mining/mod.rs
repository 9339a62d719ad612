//! Training data for the contrastive bi-encoder: hard negatives mined per resume, in-batch
//! negative batches, and the filter that keeps reserved occupations out of both.

pub mod hard_negatives;
pub mod in_batch;
pub mod reserved_filter;
