//! Offline measurement: the labelled dev benchmark (`../shared/eval/`) read into the
//! engine's judgement and run types, the ROC AUC of scored pairs (GNN links,
//! cross-encoder pairs), and skill extraction's precision on a hand-labelled sample.

pub mod auc;
pub mod benchmark;
pub mod extraction_precision;
