//! Graph attention over the skill graph: enriches each skill's bi-encoder embedding with its
//! neighbours' (a two-layer GAT with a residual to the input), trained self-supervised by link
//! prediction and kept only if it predicts held-out links better than the input embeddings.
//!
//! Files follow the run: `input` (the `\copy` TSV files), `links` (pairs and message graphs),
//! `split` (held-out pairs, negatives), `attention` (segment softmax, one GAT layer), `model`
//! (the two-layer network), `train` (training and evaluation; AUC from `crate::evaluation::auc`).

pub mod attention;
pub mod input;
pub mod links;
pub mod model;
pub mod split;
pub mod train;

pub use input::{parse_edges, parse_nodes, ParsedEdges, Relation, RelationEdge, SkillNodes};
pub use links::{MessageGraph, NodePair, SkillLinks};
pub use model::{GatConfig, SkillGat};
pub use train::{enrich, train_link_prediction, LinkPredictionReport, TrainConfig, TrainedGat, GnnVerdict};
