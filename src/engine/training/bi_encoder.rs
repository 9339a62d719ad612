//! The bi-encoder in training form: the same BERT, mean pooling and L2 normalisation as
//! `engine::bi_encoder::BiEncoder`, but returning embeddings as tensors that gradients
//! flow through, with an optional projection head.
//!
//! The head is residual, x + W x + b, with W and b starting at zero, so training starts
//! exactly at the base model's embeddings and the head only learns a correction. It
//! exists only with [`TrainableScope::Head`]; with the other scopes the model is plain
//! BERT and a trained delta loads into `BiEncoder::from_parts` unchanged.

use std::path::Path;

use candle_core::{Device, Module, Tensor};
use candle_nn::{Init, Linear, VarBuilder, VarMap};

use super::weights::{FreshInit, TrainableScope, WeightStack, BERT_INIT_STD};
use crate::engine::bert::{BertConfig, BertModel};
use crate::engine::error::{EngineError, Result};
use crate::engine::model_files::ModelFiles;
use crate::engine::pooling::{l2_normalize, masked_mean};
use crate::engine::tokenization::TextTokenizer;

/// Name prefix of the projection head's tensors.
pub const HEAD_PREFIX: &str = "head.";

/// x + dense(x), dense zero-initialised.
struct ResidualHead {
    dense: Linear,
}

impl ResidualHead {
    fn load(vb: VarBuilder, size: usize) -> candle_core::Result<Self> {
        let weight = vb.get_with_hints((size, size), "dense.weight", Init::Const(0.0))?;
        let bias = vb.get_with_hints(size, "dense.bias", Init::Const(0.0))?;
        Ok(Self { dense: Linear::new(weight, Some(bias)) })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x + self.dense.forward(x)?
    }
}

pub struct TrainableBiEncoder {
    bert: BertModel,
    head: Option<ResidualHead>,
    tokenizer: TextTokenizer,
}

impl TrainableBiEncoder {
    /// The bi-encoder checkpoint in `dir` (sentence-transformers layout) with the `scope`
    /// tensors registered as `Var`s in `vars`.
    pub fn for_training(dir: &Path, max_seq_length: usize, scope: TrainableScope, vars: &VarMap) -> Result<Self> {
        let files = ModelFiles::new(dir)?;
        let config: BertConfig = files.config()?;
        let selection = scope.selection("", config.num_hidden_layers, &[HEAD_PREFIX])?;
        // The head's init is all constants (zeros), so its seed draws nothing.
        let head_init = FreshInit { seed: 0, std: BERT_INIT_STD, prefixes: vec![HEAD_PREFIX.to_string()] };
        let vb = WeightStack::new()
            .with_base(files.weight_tensors()?, "")
            .with_fresh_init(head_init)
            .with_trainable(selection, vars.clone())
            .into_var_builder();
        let corrupt = |e: candle_core::Error| EngineError::CorruptModelFile { path: files.weights_path(), reason: e.to_string() };
        let bert = BertModel::load(vb.clone(), &config).map_err(corrupt)?;
        let head = match scope {
            TrainableScope::Head => Some(ResidualHead::load(vb.pp("head"), config.hidden_size).map_err(corrupt)?),
            _ => None,
        };
        let tokenizer = TextTokenizer::from_file(&files.tokenizer_path(), max_seq_length)?;
        Ok(Self { bert, head, tokenizer })
    }

    /// Unit-length embeddings of `texts`, [texts, hidden], in one forward pass.
    pub fn embed(&self, texts: &[&str]) -> Result<Tensor> {
        if texts.is_empty() {
            return Err(EngineError::InvalidInput("no texts to embed".into()));
        }
        let batch = self.tokenizer.encode_texts(texts, &Device::Cpu)?;
        let hidden = self.bert.forward(&batch.input_ids, &batch.token_type_ids, &batch.attention_mask)?;
        let mut pooled = masked_mean(&hidden, &batch.attention_mask)?;
        if let Some(head) = &self.head {
            pooled = head.forward(&pooled)?;
        }
        Ok(l2_normalize(&pooled)?)
    }
}
