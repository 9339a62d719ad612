//! The cross-encoder: (query, document) -> relevance score in [0, 1]. Both texts go
//! through BERT together as one pair (`[CLS] query [SEP] document [SEP]`, segment ids 0
//! then 1), so every query token attends to every document token; the pooled [CLS]
//! state goes through a one-output classifier and a sigmoid (the `BertForSequenceClassification`
//! layout with num_labels 1, as sentence-transformers' CrossEncoder scores it).
//!
//! Weights come from a standard checkpoint directory ([`CrossEncoder::load`]) or from the
//! bi-encoder's encoder plus a new head ([`CrossEncoder::from_bi_encoder`]), optionally
//! with a trained delta over it ([`CrossEncoder::from_bi_encoder_with_delta`]).

use std::path::Path;

use candle_core::safetensors::MmapedSafetensors;
use candle_core::{Device, Tensor};
use candle_nn::VarMap;

use super::bert::{BertConfig, BertSequenceClassifier};
use super::bf16_linear::MatmulPrecision;
use super::batching::{forward_in_slices, map_in_length_batches, slice_tokens};
use super::error::{EngineError, Result};
use super::interrupt::{Interrupt, Uninterrupted};
use super::matching::RecentCost;
use super::model_files::ModelFiles;
use super::tokenization::TextTokenizer;
use super::weights::{load_delta, FreshInit, TrainableScope, WeightStack, BERT_INIT_STD};

/// Pairs per batch: pairs are as long as the bi-encoder's longest texts and run in the
/// same slices, so the same size applies (see `bi_encoder::DEFAULT_BATCH_SIZE`).
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// Name prefixes of the layers a sequence classifier adds on top of a bare encoder.
pub const HEAD_PREFIXES: [&str; 2] = ["bert.pooler.", "classifier."];

/// The tensor every BERT checkpoint has, by which we tell the two layouts apart.
const WORD_EMBEDDINGS: &str = "embeddings.word_embeddings.weight";

/// How a checkpoint file names its tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `bert.*`, `bert.pooler.*`, `classifier.*`: BertForSequenceClassification.
    SequenceClassifier,
    /// `embeddings.*`, `encoder.*`: a bare encoder such as a sentence-transformers model.
    BareEncoder,
}

impl Layout {
    /// What the classifier's tensor names carry in front of this file's names.
    fn base_prefix(self) -> &'static str {
        match self {
            Layout::SequenceClassifier => "",
            Layout::BareEncoder => "bert.",
        }
    }
}

pub struct CrossEncoder {
    model: BertSequenceClassifier,
    tokenizer: TextTokenizer,
    device: Device,
    /// What a pair cost lately, kept with the model so it outlives one match: a connection
    /// that has scored before sizes its first pass under a budget by it.
    pair_cost: RecentCost,
    /// Calls of `score_pairs` in this process. The first pays for faulting in the weights'
    /// pages (read from the file, or inherited from the postmaster) and for the allocator's
    /// first buffers: with the cross-encoder preloaded, a backend's first call took 113 ms
    /// where later ones take about 50 (README, bench_match). Remembered as a pair's cost, it
    /// kept every call of the next minute from scoring anything, so it is not remembered.
    passes: std::sync::atomic::AtomicUsize,
}

impl CrossEncoder {
    /// Loads a `BertForSequenceClassification` checkpoint (config.json, tokenizer.json,
    /// model.safetensors with `bert.*`, pooler and a one-label `classifier`) from `dir`,
    /// truncating pairs at `max_seq_length` tokens.
    pub fn load(dir: &Path, max_seq_length: usize, precision: MatmulPrecision) -> Result<Self> {
        let files = ModelFiles::new(dir)?;
        let (tensors, layout) = open_weights(&files)?;
        let config = files.config()?;
        if layout == Layout::BareEncoder {
            return Err(not_a_classifier(
                &files,
                "it is a bare encoder (no bert. prefix, no classifier), such as a bi-encoder; \
                 not a cross-encoder",
            ));
        }
        check_head(&files, &config, |name| tensors.get(name).ok().map(|t| t.shape().to_vec()))?;
        Self::assemble(&files, &config, WeightStack::new().with_base(tensors, ""), max_seq_length, precision)
    }

    /// A cross-encoder on the encoder of a bi-encoder checkpoint (all-MiniLM-L6-v2), with
    /// a new pooler and classifier initialised as BERT does, from `seed`. Its scores mean
    /// nothing until it is trained; training starts here.
    pub fn from_bi_encoder(dir: &Path, max_seq_length: usize, seed: u64) -> Result<Self> {
        let files = ModelFiles::new(dir)?;
        let (tensors, layout) = open_weights(&files)?;
        let stack = WeightStack::new().with_base(tensors, layout.base_prefix()).with_fresh_init(new_head(seed));
        Self::assemble(&files, &files.config()?, stack, max_seq_length, MatmulPrecision::F32)
    }

    /// The bi-encoder checkpoint in `dir` with the trained tensors of `delta` (written by
    /// `training::weights::save_delta`) over it: how the project's own cross-encoder ships.
    pub fn from_bi_encoder_with_delta(
        dir: &Path,
        delta: &Path,
        max_seq_length: usize,
        precision: MatmulPrecision,
    ) -> Result<Self> {
        let files = ModelFiles::new(dir)?;
        let (tensors, layout) = open_weights(&files)?;
        let config = files.config()?;
        let overlay = load_delta(delta)?;
        check_head(&files, &config, |name| overlay.get(name).map(|t| t.dims().to_vec())).map_err(|e| match e {
            EngineError::CorruptModelFile { reason, .. } => EngineError::CorruptModelFile {
                path: delta.to_path_buf(),
                reason: format!("the delta lacks the trained head: {reason}"),
            },
            other => other,
        })?;
        let stack = WeightStack::new().with_base(tensors, layout.base_prefix()).with_overlay(overlay);
        Self::assemble(&files, &config, stack, max_seq_length, precision)
    }

    /// A cross-encoder whose `scope` tensors are `Var`s registered in `vars`, for training.
    /// `dir` holds either a sequence-classifier checkpoint (fine-tuned further) or a bare
    /// encoder (a new head is initialised from `seed`).
    pub fn for_training(
        dir: &Path,
        max_seq_length: usize,
        scope: TrainableScope,
        seed: u64,
        vars: &VarMap,
    ) -> Result<Self> {
        let files = ModelFiles::new(dir)?;
        let (tensors, layout) = open_weights(&files)?;
        let config = files.config()?;
        let selection = scope.selection("bert.", config.num_hidden_layers, &HEAD_PREFIXES)?;
        let mut stack =
            WeightStack::new().with_base(tensors, layout.base_prefix()).with_trainable(selection, vars.clone());
        if layout == Layout::BareEncoder {
            stack = stack.with_fresh_init(new_head(seed));
        }
        Self::assemble(&files, &config, stack, max_seq_length, MatmulPrecision::F32)
    }

    /// A cross-encoder from an already built model and tokenizer.
    pub fn from_parts(model: BertSequenceClassifier, tokenizer: TextTokenizer) -> Self {
        Self { model, tokenizer, device: Device::Cpu, pair_cost: RecentCost::default(), passes: Default::default() }
    }

    /// Builds the classifier from `stack` with the config and tokenizer of `files`, its
    /// products in `precision` (F32 for a model about to be trained).
    fn assemble(
        files: &ModelFiles,
        config: &BertConfig,
        stack: WeightStack,
        max_seq_length: usize,
        precision: MatmulPrecision,
    ) -> Result<Self> {
        crate::allocator::keep_freed_memory();
        if max_seq_length > config.max_position_embeddings {
            return Err(EngineError::InvalidInput(format!(
                "max_seq_length {max_seq_length} exceeds the model's {} positions",
                config.max_position_embeddings
            )));
        }
        let tokenizer = TextTokenizer::from_file(&files.tokenizer_path(), max_seq_length)?;
        let model = BertSequenceClassifier::load_with_precision(stack.into_var_builder(), config, precision)
            .map_err(|e| EngineError::CorruptModelFile { path: files.weights_path(), reason: e.to_string() })?;
        Ok(Self::from_parts(model, tokenizer))
    }

    pub fn max_seq_length(&self) -> usize {
        self.tokenizer.max_len()
    }

    /// Raw classifier outputs for `pairs` in one forward pass, [pairs]: what training
    /// differentiates. Scores are their sigmoid.
    pub fn pair_logits(&self, pairs: &[(&str, &str)]) -> Result<Tensor> {
        if pairs.is_empty() {
            return Err(EngineError::InvalidInput("no pairs to score".into()));
        }
        let batch = self.tokenizer.encode_pairs(pairs, &self.device, &Uninterrupted)?;
        Ok(self.model.forward(&batch.input_ids, &batch.token_type_ids, &batch.attention_mask)?)
    }

    /// Scores of `docs` against `query` in one forward pass, in input order. `interrupt` is
    /// asked as `BiEncoder::encode_batch` asks it.
    pub fn score_batch(&self, query: &str, docs: &[&str], interrupt: &dyn Interrupt) -> Result<Vec<f32>> {
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        let pairs: Vec<(&str, &str)> = docs.iter().map(|&d| (query, d)).collect();
        let batch = self.tokenizer.encode_pairs(&pairs, &self.device, interrupt)?;
        let logits = forward_in_slices(&batch, slice_tokens(), |slice| self.model.forward_interruptible(slice, interrupt))?;
        Ok(logits.to_vec1::<f32>()?.into_iter().map(sigmoid).collect())
    }

    /// Scores any number of `docs` against `query` in batches of `batch_size`, calling
    /// `between_batches` (done, total) before each batch and asking `interrupt` within each,
    /// as `BiEncoder::encode` does. Results in input order.
    pub fn score_pairs<F>(
        &self,
        query: &str,
        docs: &[&str],
        batch_size: usize,
        interrupt: &dyn Interrupt,
        between_batches: F,
    ) -> Result<Vec<f32>>
    where
        F: FnMut(usize, usize) -> Result<()>,
    {
        self.passes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A document repeated in `docs` (the same job id twice, two postings with one text)
        // is scored once: the pass is what costs.
        let mut distinct: Vec<&str> = Vec::new();
        let mut position: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let slots: Vec<usize> = docs
            .iter()
            .map(|&d| {
                *position.entry(d).or_insert_with(|| {
                    distinct.push(d);
                    distinct.len() - 1
                })
            })
            .collect();
        let scores = map_in_length_batches(&distinct, batch_size, between_batches, |chunk| {
            self.score_batch(query, chunk, interrupt)
        })?;
        Ok(slots.into_iter().map(|i| scores[i]).collect())
    }
}

/// The logistic function: a logit to a score in [0, 1].
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// BERT's initialisation for a new pooler and classifier.
fn new_head(seed: u64) -> FreshInit {
    FreshInit { seed, std: BERT_INIT_STD, prefixes: HEAD_PREFIXES.iter().map(|p| p.to_string()).collect() }
}

/// The weight file of `files` and which of the two layouts it has.
fn open_weights(files: &ModelFiles) -> Result<(MmapedSafetensors, Layout)> {
    let tensors = files.weight_tensors()?;
    let layout = if tensors.get(&format!("bert.{WORD_EMBEDDINGS}")).is_ok() {
        Layout::SequenceClassifier
    } else if tensors.get(WORD_EMBEDDINGS).is_ok() {
        Layout::BareEncoder
    } else {
        return Err(EngineError::CorruptModelFile {
            path: files.weights_path(),
            reason: format!("not a BERT checkpoint: neither bert.{WORD_EMBEDDINGS} nor {WORD_EMBEDDINGS} is present"),
        });
    };
    Ok((tensors, layout))
}

/// Checks that pooler and a one-label classifier exist, `shape_of` giving a tensor's
/// shape or None where it is absent.
fn check_head(files: &ModelFiles, config: &BertConfig, shape_of: impl Fn(&str) -> Option<Vec<usize>>) -> Result<()> {
    let h = config.hidden_size;
    match shape_of("classifier.weight") {
        None => return Err(not_a_classifier(files, "tensor classifier.weight is missing")),
        Some(shape) if shape.len() == 2 && shape[0] != 1 && shape[1] == h => {
            return Err(not_a_classifier(
                files,
                &format!(
                    "its classifier has {} labels; only single-score checkpoints (num_labels 1) are supported",
                    shape[0]
                ),
            ))
        }
        Some(shape) if shape != [1, h] => {
            return Err(not_a_classifier(files, &format!("classifier.weight has shape {shape:?}, expected [1, {h}]")))
        }
        Some(_) => {}
    }
    for name in ["classifier.bias", "bert.pooler.dense.weight", "bert.pooler.dense.bias"] {
        if shape_of(name).is_none() {
            return Err(not_a_classifier(files, &format!("tensor {name} is missing")));
        }
    }
    Ok(())
}

/// The error for a weight file without the sequence-classifier layout.
fn not_a_classifier(files: &ModelFiles, reason: &str) -> EngineError {
    EngineError::CorruptModelFile {
        path: files.weights_path(),
        reason: format!("not a BertForSequenceClassification checkpoint: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_of_zero_is_half() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!(sigmoid(20.0) > 0.999 && sigmoid(-20.0) < 0.001);
    }
}

/// A cross-encoder as stage 3 of the match pipeline, scoring in batches of `batch_size`.
/// Shares the model with the cache that keeps it loaded (a backend's, in Postgres).
pub struct BatchedReranker {
    pub model: std::rc::Rc<CrossEncoder>,
    pub batch_size: usize,
}

impl crate::matching::PairScorer for BatchedReranker {
    fn score(&self, resume: &str, jobs: &[&str], interrupt: &dyn Interrupt) -> Result<Vec<f32>> {
        self.model.score_pairs(resume, jobs, self.batch_size, interrupt, |_, _| Ok(()))
    }

    fn recent_ms_per_pair(&self) -> Option<f64> {
        self.model.pair_cost.get(std::time::Instant::now())
    }

    /// Remembers what a pair cost, unless the pass measured was the process's first (cold:
    /// see `CrossEncoder::passes`); the next call then measures a warm pass.
    fn observe_ms_per_pair(&self, ms: f64) {
        if self.model.passes.load(std::sync::atomic::Ordering::Relaxed) > 1 {
            self.model.pair_cost.set(ms, std::time::Instant::now())
        }
    }
}
