//! BERT encoder (the architecture of all-MiniLM-L6-v2 and of BertForSequenceClassification
//! checkpoints), written out layer by layer in candle.
//!
//! Weights are read from a safetensors file through a `VarBuilder`. Checkpoints saved by
//! sentence-transformers name tensors `embeddings.*` / `encoder.*`; those saved by
//! `BertForSequenceClassification` prefix them with `bert.`. [`BertModel::load`] takes the
//! prefix so one loader serves both.

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{embedding, layer_norm, linear, Embedding, LayerNorm, Linear, VarBuilder};
use serde::Deserialize;

/// The fields of a Hugging Face `config.json` that the encoder needs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab_size")]
    pub type_vocab_size: usize,
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
}

fn default_type_vocab_size() -> usize {
    2
}
fn default_layer_norm_eps() -> f64 {
    1e-12
}
fn default_hidden_act() -> String {
    "gelu".to_string()
}

/// Token, position and segment embeddings, summed and layer-normalised.
struct BertEmbeddings {
    word: Embedding,
    position: Embedding,
    token_type: Embedding,
    norm: LayerNorm,
}

impl BertEmbeddings {
    fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        Ok(Self {
            word: embedding(cfg.vocab_size, cfg.hidden_size, vb.pp("word_embeddings"))?,
            position: embedding(cfg.max_position_embeddings, cfg.hidden_size, vb.pp("position_embeddings"))?,
            token_type: embedding(cfg.type_vocab_size, cfg.hidden_size, vb.pp("token_type_embeddings"))?,
            norm: layer_norm(cfg.hidden_size, cfg.layer_norm_eps, vb.pp("LayerNorm"))?,
        })
    }

    fn forward(&self, input_ids: &Tensor, token_type_ids: &Tensor) -> Result<Tensor> {
        let seq_len = input_ids.dim(1)?;
        let positions = Tensor::arange(0u32, seq_len as u32, input_ids.device())?;
        let summed = self
            .word
            .forward(input_ids)?
            .broadcast_add(&self.position.forward(&positions)?)?
            .add(&self.token_type.forward(token_type_ids)?)?;
        self.norm.forward(&summed)
    }
}

/// Multi-head self-attention with its output projection, residual and layer norm.
struct BertAttention {
    query: Linear,
    key: Linear,
    value: Linear,
    output: Linear,
    norm: LayerNorm,
    num_heads: usize,
    head_dim: usize,
}

impl BertAttention {
    fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        let h = cfg.hidden_size;
        let own = vb.pp("self");
        let out = vb.pp("output");
        Ok(Self {
            query: linear(h, h, own.pp("query"))?,
            key: linear(h, h, own.pp("key"))?,
            value: linear(h, h, own.pp("value"))?,
            output: linear(h, h, out.pp("dense"))?,
            norm: layer_norm(h, cfg.layer_norm_eps, out.pp("LayerNorm"))?,
            num_heads: cfg.num_attention_heads,
            head_dim: h / cfg.num_attention_heads,
        })
    }

    /// [batch, seq, hidden] -> [batch, heads, seq, head_dim]
    fn split_heads(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, _) = x.dims3()?;
        x.reshape((b, t, self.num_heads, self.head_dim))?.transpose(1, 2)?.contiguous()
    }

    /// `mask_bias` is [batch, 1, 1, seq]: 0 for real tokens, a large negative for padding.
    fn forward(&self, hidden: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let (b, t, h) = hidden.dims3()?;
        let q = self.split_heads(&self.query.forward(hidden)?)?;
        let k = self.split_heads(&self.key.forward(hidden)?)?;
        let v = self.split_heads(&self.value.forward(hidden)?)?;
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(mask_bias)?;
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = probs.matmul(&v)?.transpose(1, 2)?.reshape((b, t, h))?;
        self.norm.forward(&(self.output.forward(&context)? + hidden)?)
    }
}

/// One transformer block: attention, then the GELU feed-forward with residual and norm.
struct BertLayer {
    attention: BertAttention,
    intermediate: Linear,
    output: Linear,
    norm: LayerNorm,
}

impl BertLayer {
    fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        Ok(Self {
            attention: BertAttention::load(vb.pp("attention"), cfg)?,
            intermediate: linear(cfg.hidden_size, cfg.intermediate_size, vb.pp("intermediate").pp("dense"))?,
            output: linear(cfg.intermediate_size, cfg.hidden_size, vb.pp("output").pp("dense"))?,
            norm: layer_norm(cfg.hidden_size, cfg.layer_norm_eps, vb.pp("output").pp("LayerNorm"))?,
        })
    }

    fn forward(&self, hidden: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let attended = self.attention.forward(hidden, mask_bias)?;
        // BERT's "gelu" is the exact erf form, not the tanh approximation.
        let inner = self.intermediate.forward(&attended)?.gelu_erf()?;
        self.norm.forward(&(self.output.forward(&inner)? + attended)?)
    }
}

/// The BERT encoder: embeddings and a stack of transformer layers. Returns the last hidden
/// state, [batch, seq, hidden].
pub struct BertModel {
    embeddings: BertEmbeddings,
    layers: Vec<BertLayer>,
    pub config: BertConfig,
}

impl BertModel {
    pub fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        if cfg.hidden_act != "gelu" {
            candle_core::bail!("unsupported hidden_act {:?}: only BERT's exact gelu is implemented", cfg.hidden_act);
        }
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| BertLayer::load(vb.pp("encoder").pp("layer").pp(i), cfg))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { embeddings: BertEmbeddings::load(vb.pp("embeddings"), cfg)?, layers, config: cfg.clone() })
    }

    /// `input_ids`, `token_type_ids`: u32 [batch, seq]; `attention_mask`: f32 [batch, seq] of 0/1.
    pub fn forward(&self, input_ids: &Tensor, token_type_ids: &Tensor, attention_mask: &Tensor) -> Result<Tensor> {
        let mask_bias = attention_bias(attention_mask)?;
        let mut hidden = self.embeddings.forward(input_ids, token_type_ids)?;
        for layer in &self.layers {
            hidden = layer.forward(&hidden, &mask_bias)?;
        }
        Ok(hidden)
    }
}

/// [batch, seq] 0/1 mask -> [batch, 1, 1, seq] additive bias. -10000 is what BERT was trained
/// with (transformers' `get_extended_attention_mask` uses the dtype minimum since 4.x; both
/// drive padded positions to exp() = 0 in f32).
fn attention_bias(attention_mask: &Tensor) -> Result<Tensor> {
    let (b, t) = attention_mask.dims2()?;
    let bias = ((attention_mask.to_dtype(DType::F32)? - 1.0)? * 10000.0)?;
    bias.reshape((b, 1, 1, t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, DType};
    use candle_nn::{VarBuilder, VarMap};

    /// A 2-layer, 16-wide BERT with random weights: enough to test shapes and masking.
    fn tiny() -> BertModel {
        let cfg = BertConfig {
            vocab_size: 50,
            hidden_size: 16,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            intermediate_size: 32,
            max_position_embeddings: 32,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            hidden_act: "gelu".into(),
        };
        let vars = VarMap::new();
        BertModel::load(VarBuilder::from_varmap(&vars, DType::F32, &Device::Cpu), &cfg).unwrap()
    }

    fn ids(rows: &[&[u32]]) -> Tensor {
        Tensor::new(rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>(), &Device::Cpu).unwrap()
    }

    #[test]
    fn output_is_batch_by_seq_by_hidden() {
        let model = tiny();
        let input = ids(&[&[1, 2, 3], &[4, 5, 6]]);
        let zeros = input.zeros_like().unwrap();
        let mask = Tensor::ones((2, 3), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(model.forward(&input, &zeros, &mask).unwrap().dims(), &[2, 3, 16]);
    }

    #[test]
    fn masked_padding_does_not_change_real_tokens() {
        let model = tiny();
        let alone = ids(&[&[1, 2, 3]]);
        let padded = ids(&[&[1, 2, 3, 0, 0]]);
        let h1 = model
            .forward(&alone, &alone.zeros_like().unwrap(), &Tensor::ones((1, 3), DType::F32, &Device::Cpu).unwrap())
            .unwrap();
        let mask = Tensor::new(&[[1f32, 1., 1., 0., 0.]], &Device::Cpu).unwrap();
        let h2 = model.forward(&padded, &padded.zeros_like().unwrap(), &mask).unwrap().narrow(1, 0, 3).unwrap();
        let diff = (h1 - h2).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff < 1e-5, "padding changed real tokens by {diff}");
    }

    #[test]
    fn rejects_unsupported_activation() {
        let mut cfg = tiny().config;
        cfg.hidden_act = "relu".into();
        let vars = VarMap::new();
        assert!(BertModel::load(VarBuilder::from_varmap(&vars, DType::F32, &Device::Cpu), &cfg).is_err());
    }
}
