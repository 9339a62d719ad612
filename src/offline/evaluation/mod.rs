//! Offline measurement: the labelled dev benchmark (`../shared/eval/`) read into the
//! engine's judgement and run types, and the ROC AUC of scored pairs (GNN links,
//! cross-encoder pairs).

pub mod auc;
pub mod benchmark;
