//! BERT encoder (the architecture of all-MiniLM-L6-v2 and of BertForSequenceClassification
//! checkpoints), written out layer by layer in candle.
//!
//! Weights are read from a safetensors file through a `VarBuilder`. Checkpoints saved by
//! sentence-transformers name tensors `embeddings.*` / `encoder.*`; those saved by
//! `BertForSequenceClassification` prefix them with `bert.`. [`BertModel::load`] takes the
//! prefix so one loader serves both.

use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::{embedding, linear, Embedding, Init, Linear, VarBuilder};
use serde::Deserialize;

use crate::bf16_linear::{Bf16Linear, Epilogue, MatmulPrecision};
use crate::interrupt::Interrupt;
use crate::tokenization::TokenBatch;

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

/// Layer normalisation that stays differentiable when training.
///
/// candle's fused layer norm kernel is fast but records no backward pass: a gradient
/// stops at it silently. When the input or the weights are part of a training graph we
/// spell the norm out in ops candle can differentiate; frozen layers keep the fast kernel.
struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    fn load(size: usize, eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            weight: vb.get_with_hints(size, "weight", Init::Const(1.0))?,
            bias: vb.get_with_hints(size, "bias", Init::Const(0.0))?,
            eps,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if !(x.track_op() || self.weight.track_op() || self.bias.track_op()) {
            return candle_nn::ops::layer_norm(&x.contiguous()?, &self.weight, &self.bias, self.eps as f32);
        }
        let centred = x.broadcast_sub(&x.mean_keepdim(D::Minus1)?)?;
        let variance = centred.sqr()?.mean_keepdim(D::Minus1)?;
        let normed = centred.broadcast_div(&(variance + self.eps)?.sqrt()?)?;
        normed.broadcast_mul(&self.weight)?.broadcast_add(&self.bias)
    }
}

/// Softmax over the last dimension; like [`LayerNorm`], the fused kernel when nothing is
/// being trained and differentiable ops when something is.
fn softmax_last_dim(x: &Tensor) -> Result<Tensor> {
    if !x.track_op() {
        return candle_nn::ops::softmax_last_dim(x);
    }
    // Subtracting the row maximum only guards exp() against overflow; it is a constant
    // shift softmax ignores, so it needs no gradient.
    let shifted = x.broadcast_sub(&x.max_keepdim(D::Minus1)?.detach())?;
    let exp = shifted.exp()?;
    exp.broadcast_div(&exp.sum_keepdim(D::Minus1)?)
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
            norm: LayerNorm::load(cfg.hidden_size, cfg.layer_norm_eps, vb.pp("LayerNorm"))?,
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

/// A Linear layer of the encoder: candle's f32 product as loaded, or, once a serving model
/// is packed ([`BertModel::load_with_precision`]), the BF16 kernel with the f32 weights dropped.
enum Dense {
    F32(Linear),
    Bf16(Bf16Linear),
}

impl Dense {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Dense::F32(linear) => linear.forward(x),
            Dense::Bf16(packed) => packed.forward(x),
        }
    }

    /// This layer in `precision`; a packed layer stays packed (its f32 weights are gone).
    fn with_precision(self, precision: MatmulPrecision, epilogue: Epilogue) -> Result<Self> {
        let Dense::F32(linear) = self else { return Ok(self) };
        if precision != MatmulPrecision::Bf16 {
            return Ok(Dense::F32(linear));
        }
        if linear.weight().track_op() || linear.bias().is_some_and(Tensor::track_op) {
            candle_core::bail!("a layer being trained cannot be packed to bf16");
        }
        Ok(match Bf16Linear::pack(linear.weight(), linear.bias(), epilogue)? {
            Some(packed) => Dense::Bf16(packed),
            None => Dense::F32(linear),
        })
    }
}

/// The Q, K and V projections. Frozen weights are stored side by side as one
/// [3 * hidden, hidden] layer: one matmul instead of three, and the layout
/// `kernels::attention` reads. Weights that are trained stay three Linears, each its own
/// variable for the optimiser.
enum Projections {
    Fused(Dense),
    Separate { query: Linear, key: Linear, value: Linear },
}

/// Multi-head self-attention with its output projection, residual and layer norm.
struct BertAttention {
    projections: Projections,
    output: Dense,
    norm: LayerNorm,
    num_heads: usize,
    head_dim: usize,
}

impl BertAttention {
    fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        let h = cfg.hidden_size;
        let own = vb.pp("self");
        let out = vb.pp("output");
        let (query, key, value) = (linear(h, h, own.pp("query"))?, linear(h, h, own.pp("key"))?, linear(h, h, own.pp("value"))?);
        let parts = [&query, &key, &value];
        let trained = parts.iter().any(|l| l.weight().track_op() || l.bias().is_some_and(Tensor::track_op));
        let projections = match parts.map(Linear::bias) {
            [Some(bq), Some(bk), Some(bv)] if !trained => Projections::Fused(Dense::F32(Linear::new(
                Tensor::cat(&parts.map(Linear::weight), 0)?,
                Some(Tensor::cat(&[bq, bk, bv], 0)?),
            ))),
            _ => Projections::Separate { query, key, value },
        };
        Ok(Self {
            projections,
            output: Dense::F32(linear(h, h, out.pp("dense"))?),
            norm: LayerNorm::load(h, cfg.layer_norm_eps, out.pp("LayerNorm"))?,
            num_heads: cfg.num_attention_heads,
            head_dim: h / cfg.num_attention_heads,
        })
    }

    fn with_precision(self, precision: MatmulPrecision) -> Result<Self> {
        let projections = match self.projections {
            Projections::Fused(qkv) => Projections::Fused(qkv.with_precision(precision, Epilogue::None)?),
            // Three Linears: trained (the output projection below refuses to pack), or
            // without biases; either way f32.
            separate => separate,
        };
        Ok(Self { projections, output: self.output.with_precision(precision, Epilogue::None)?, ..self })
    }

    /// [batch, seq, hidden] -> [batch, heads, seq, head_dim]
    fn split_heads(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, _) = x.dims3()?;
        x.reshape((b, t, self.num_heads, self.head_dim))?.transpose(1, 2)?.contiguous()
    }

    /// `mask_bias` is [batch, 1, 1, seq]: 0 for real tokens, a large negative for padding.
    fn forward(&self, hidden: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let (b, t, h) = hidden.dims3()?;
        let context = match &self.projections {
            Projections::Fused(qkv) => {
                let qkv = qkv.forward(hidden)?;
                if qkv.track_op() {
                    // A gradient passes through this frozen layer to a trained one below.
                    let part = |i| qkv.narrow(2, i * h, h);
                    self.attend(&part(0)?, &part(1)?, &part(2)?, mask_bias)?
                } else {
                    crate::kernels::attention(&qkv, &mask_bias.reshape((b, t))?, self.num_heads)?
                }
            }
            Projections::Separate { query, key, value } => {
                self.attend(&query.forward(hidden)?, &key.forward(hidden)?, &value.forward(hidden)?, mask_bias)?
            }
        };
        self.norm.forward(&(self.output.forward(&context)? + hidden)?)
    }

    /// Attention in candle's ops, which carry gradients: projections [batch, seq, hidden]
    /// in, context [batch, seq, hidden] out.
    fn attend(&self, q: &Tensor, k: &Tensor, v: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let (b, t, h) = q.dims3()?;
        let (q, k, v) = (self.split_heads(q)?, self.split_heads(k)?, self.split_heads(v)?);
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(mask_bias)?;
        let probs = softmax_last_dim(&scores)?;
        probs.matmul(&v)?.transpose(1, 2)?.reshape((b, t, h))
    }
}

/// One transformer block: attention, then the GELU feed-forward with residual and norm
/// (run half by half by [`BertModel`], which may stop between the halves).
struct BertLayer {
    attention: BertAttention,
    intermediate: Dense,
    output: Dense,
    norm: LayerNorm,
}

impl BertLayer {
    fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        Ok(Self {
            attention: BertAttention::load(vb.pp("attention"), cfg)?,
            intermediate: Dense::F32(linear(cfg.hidden_size, cfg.intermediate_size, vb.pp("intermediate").pp("dense"))?),
            output: Dense::F32(linear(cfg.intermediate_size, cfg.hidden_size, vb.pp("output").pp("dense"))?),
            norm: LayerNorm::load(cfg.hidden_size, cfg.layer_norm_eps, vb.pp("output").pp("LayerNorm"))?,
        })
    }

    fn with_precision(self, precision: MatmulPrecision) -> Result<Self> {
        Ok(Self {
            attention: self.attention.with_precision(precision)?,
            // The packed kernel applies GELU to its sums before storing them.
            intermediate: self.intermediate.with_precision(precision, Epilogue::Gelu)?,
            output: self.output.with_precision(precision, Epilogue::None)?,
            norm: self.norm,
        })
    }

    /// The feed-forward half, over the attention half's output.
    fn feed_forward(&self, attended: &Tensor) -> Result<Tensor> {
        // BERT's "gelu" is the exact erf form, not the tanh approximation.
        let inner = match &self.intermediate {
            Dense::Bf16(packed) => packed.forward(attended)?,
            Dense::F32(intermediate) => match intermediate.bias() {
                // Nothing to differentiate: the bias is added inside the fused GELU kernel.
                Some(bias) if !(attended.track_op() || intermediate.weight().track_op() || bias.track_op()) => {
                    let (b, t, h) = attended.dims3()?;
                    let product = attended.reshape((b * t, h))?.matmul(&intermediate.weight().t()?)?;
                    crate::kernels::bias_gelu(&product, bias)?.reshape((b, t, ()))?
                }
                _ => intermediate.forward(attended)?.gelu_erf()?,
            },
        };
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
    /// The model in f32, as training needs it.
    pub fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        Self::load_with_precision(vb, cfg, MatmulPrecision::F32)
    }

    /// The model with its Linear layers' products in `precision` (as far as this CPU can:
    /// [`MatmulPrecision::at_most`]). Packing to bf16 drops the f32 weights, so it is for
    /// serving models only: a model with trained weights refuses it. Each layer is packed as
    /// soon as it is read, so that its f32 weights are freed before the next layer's are read
    /// into the same memory (the allocator keeps what is freed: `allocator.rs`), and a packed
    /// model's memory is its packed size, not the f32 size plus the packed one.
    pub fn load_with_precision(vb: VarBuilder, cfg: &BertConfig, precision: MatmulPrecision) -> Result<Self> {
        if cfg.hidden_act != "gelu" {
            candle_core::bail!("unsupported hidden_act {:?}: only BERT's exact gelu is implemented", cfg.hidden_act);
        }
        let precision = MatmulPrecision::at_most(precision);
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| BertLayer::load(vb.pp("encoder").pp("layer").pp(i), cfg)?.with_precision(precision))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { embeddings: BertEmbeddings::load(vb.pp("embeddings"), cfg)?, layers, config: cfg.clone() })
    }

    /// `input_ids`, `token_type_ids`: u32 [batch, seq]; `attention_mask`: f32 [batch, seq] of 0/1.
    pub fn forward(&self, input_ids: &Tensor, token_type_ids: &Tensor, attention_mask: &Tensor) -> Result<Tensor> {
        self.run_layers(input_ids, token_type_ids, attention_mask, &|| Ok(()))
    }

    /// As [`BertModel::forward`] over a tokenised batch, asking `interrupt` before each half
    /// of each layer (attention, feed-forward): the step at which a cancel is noticed
    /// (README, "Cancel and statement_timeout").
    pub fn forward_interruptible(&self, tokens: &TokenBatch, interrupt: &dyn Interrupt) -> crate::error::Result<Tensor> {
        self.run_layers(&tokens.input_ids, &tokens.token_type_ids, &tokens.attention_mask, &|| interrupt.check())
    }

    /// Embeddings and the layers, calling `before_step` before each half of each layer;
    /// generic over the error so that the plain forward stays in candle's errors (training
    /// differentiates it) and the interruptible one carries the engine's.
    fn run_layers<E: From<candle_core::Error>>(
        &self,
        input_ids: &Tensor,
        token_type_ids: &Tensor,
        attention_mask: &Tensor,
        before_step: &dyn Fn() -> std::result::Result<(), E>,
    ) -> std::result::Result<Tensor, E> {
        let mask_bias = attention_bias(attention_mask)?;
        let mut hidden = self.embeddings.forward(input_ids, token_type_ids)?;
        for layer in &self.layers {
            before_step()?;
            let attended = layer.attention.forward(&hidden, &mask_bias)?;
            before_step()?;
            hidden = layer.feed_forward(&attended)?;
        }
        Ok(hidden)
    }
}

/// BERT's pooler: the [CLS] token's final state through a dense layer and tanh. Sequence
/// classifiers read the pair's relevance from it.
pub struct BertPooler {
    dense: Linear,
}

impl BertPooler {
    pub fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        Ok(Self { dense: linear(cfg.hidden_size, cfg.hidden_size, vb.pp("dense"))? })
    }

    /// [batch, seq, hidden] -> [batch, hidden]
    pub fn forward(&self, hidden: &Tensor) -> Result<Tensor> {
        let cls = hidden.narrow(1, 0, 1)?.squeeze(1)?.contiguous()?;
        self.dense.forward(&cls)?.tanh()
    }
}

/// `BertForSequenceClassification` with a single output (num_labels 1): encoder under
/// `bert.`, pooler under `bert.pooler.`, and `classifier`, a Linear(hidden, 1).
pub struct BertSequenceClassifier {
    pub bert: BertModel,
    pooler: BertPooler,
    classifier: Linear,
}

impl BertSequenceClassifier {
    /// The classifier in f32, as training needs it.
    pub fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        Self::load_with_precision(vb, cfg, MatmulPrecision::F32)
    }

    /// The classifier with its encoder's products in `precision`
    /// ([`BertModel::load_with_precision`]; the pooler and the one-logit head are a sliver of
    /// the work and stay f32).
    pub fn load_with_precision(vb: VarBuilder, cfg: &BertConfig, precision: MatmulPrecision) -> Result<Self> {
        let bert = vb.pp("bert");
        Ok(Self {
            bert: BertModel::load_with_precision(bert.clone(), cfg, precision)?,
            pooler: BertPooler::load(bert.pp("pooler"), cfg)?,
            classifier: linear(cfg.hidden_size, 1, vb.pp("classifier"))?,
        })
    }

    /// One logit per row, [batch]; arguments as for [`BertModel::forward`].
    pub fn forward(&self, input_ids: &Tensor, token_type_ids: &Tensor, attention_mask: &Tensor) -> Result<Tensor> {
        self.head(&self.bert.forward(input_ids, token_type_ids, attention_mask)?)
    }

    /// As [`BertSequenceClassifier::forward`] over a tokenised batch, asking `interrupt` as
    /// [`BertModel::forward_interruptible`] does.
    pub fn forward_interruptible(&self, tokens: &TokenBatch, interrupt: &dyn Interrupt) -> crate::error::Result<Tensor> {
        Ok(self.head(&self.bert.forward_interruptible(tokens, interrupt)?)?)
    }

    /// Pooler and classifier: the encoder's last hidden state to one logit per row.
    fn head(&self, hidden: &Tensor) -> Result<Tensor> {
        self.classifier.forward(&self.pooler.forward(hidden)?)?.squeeze(1)
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
    fn the_interruptible_pass_asks_before_each_half_layer_and_stops_when_told() {
        use crate::error::EngineError;
        use crate::interrupt::CountingInterrupt;
        let model = tiny();
        let input = ids(&[&[1, 2, 3]]);
        let zeros = input.zeros_like().unwrap();
        let mask = Tensor::ones((1, 3), DType::F32, &Device::Cpu).unwrap();
        let counting = CountingInterrupt::new();
        let tokens = TokenBatch {
            input_ids: input.clone(),
            token_type_ids: zeros.clone(),
            attention_mask: mask.clone(),
            lengths: vec![3],
        };
        let checked = model.forward_interruptible(&tokens, &counting).unwrap();
        assert_eq!(counting.asked(), 2 * 2, "two layers, asked before attention and before feed-forward");
        let plain = model.forward(&input, &zeros, &mask).unwrap();
        let diff = (checked - plain).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert_eq!(diff, 0.0);
        // Told to stop at the third question: the pass ends there with the interrupt's error.
        let stop_third = CountingInterrupt::stopping_at(3);
        assert!(matches!(model.forward_interruptible(&tokens, &stop_third), Err(EngineError::Canceled)));
        assert_eq!(stop_third.asked(), 3);
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

    /// The tiny model's weights, seeded, with the tensors under `trainable` as Vars.
    fn seeded(trainable: &[&str], vars: &VarMap) -> VarBuilder<'static> {
        use crate::weights::{FreshInit, TrainableSelection, WeightStack};
        WeightStack::new()
            .with_fresh_init(FreshInit { seed: 3, std: 0.2, prefixes: vec![String::new()] })
            .with_trainable(TrainableSelection::new(trainable.iter().copied()), vars.clone())
            .into_var_builder()
    }

    fn batch() -> (Tensor, Tensor, Tensor) {
        let input = ids(&[&[1, 2, 3, 4], &[5, 6, 7, 0]]);
        let types = ids(&[&[0, 0, 1, 1], &[0, 1, 1, 0]]);
        let mask = Tensor::new(&[[1f32, 1., 1., 1.], [1., 1., 1., 0.]], &Device::Cpu).unwrap();
        (input, types, mask)
    }

    #[test]
    fn differentiable_path_computes_what_the_fused_kernels_compute() {
        let cfg = tiny().config;
        let (input, types, mask) = batch();
        let frozen = BertModel::load(seeded(&[], &VarMap::new()), &cfg).unwrap();
        let trained = BertModel::load(seeded(&[""], &VarMap::new()), &cfg).unwrap();
        let a = frozen.forward(&input, &types, &mask).unwrap();
        let b = trained.forward(&input, &types, &mask).unwrap();
        assert!(b.track_op(), "trainable weights must put the output on the graph");
        let diff = (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff < 1e-5, "paths differ by {diff}");
    }

    #[test]
    fn gradients_cross_softmax_and_layer_norm_down_to_the_lowest_trainable_layer() {
        let cfg = tiny().config;
        let vars = VarMap::new();
        let model = BertModel::load(seeded(&["encoder.layer.1."], &vars), &cfg).unwrap();
        let (input, types, mask) = batch();
        let loss = model.forward(&input, &types, &mask).unwrap().sqr().unwrap().sum_all().unwrap();
        let grads = loss.backward().unwrap();
        let registered = vars.data().lock().unwrap();
        // The query projection sits below the attention softmax and three layer norms.
        let query = &registered["encoder.layer.1.attention.self.query.weight"];
        let g = grads.get(query.as_tensor()).expect("gradient reaches the query weights");
        assert!(g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0);
        assert!(registered.keys().all(|k| k.starts_with("encoder.layer.1.")), "frozen tensors are not vars");
    }

    #[test]
    fn sequence_classifier_gives_one_logit_per_row_and_reads_segment_ids() {
        let cfg = tiny().config;
        let model = BertSequenceClassifier::load(seeded(&[], &VarMap::new()), &cfg).unwrap();
        let (input, types, mask) = batch();
        let logits = model.forward(&input, &types, &mask).unwrap();
        assert_eq!(logits.dims(), &[2]);
        let other = model.forward(&input, &types.zeros_like().unwrap(), &mask).unwrap();
        let diff = (logits - other).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff > 1e-4, "segment ids made no difference ({diff})");
    }

    #[test]
    fn a_model_packed_to_bf16_computes_what_the_f32_model_computes_to_rounding() {
        if MatmulPrecision::best_available() != MatmulPrecision::Bf16 {
            eprintln!("no AVX-512 BF16 on this CPU: load_with_precision keeps f32 here");
            return;
        }
        let cfg = tiny().config;
        let (input, types, mask) = batch();
        let exact = BertModel::load(seeded(&[], &VarMap::new()), &cfg).unwrap();
        let packed = BertModel::load_with_precision(seeded(&[], &VarMap::new()), &cfg, MatmulPrecision::Bf16).unwrap();
        assert!(packed.layers.iter().all(|l| matches!(l.intermediate, Dense::Bf16(_)) && matches!(l.output, Dense::Bf16(_))));
        let a = exact.forward(&input, &types, &mask).unwrap();
        let b = packed.forward(&input, &types, &mask).unwrap();
        let diff = (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        // Layer-normed states of about unit scale; bf16 keeps 8 bits of mantissa.
        assert!(diff > 0.0 && diff < 0.1, "packed and f32 differ by {diff}");
    }

    #[test]
    fn a_model_being_trained_is_not_packed() {
        let cfg = tiny().config;
        let packed = BertModel::load_with_precision(seeded(&["encoder.layer.1."], &VarMap::new()), &cfg, MatmulPrecision::Bf16);
        if MatmulPrecision::best_available() == MatmulPrecision::Bf16 {
            let err = packed.err().expect("trained weights must not be packed").to_string();
            assert!(err.contains("being trained"), "{err}");
        } else {
            assert!(packed.is_ok(), "without AVX-512 BF16 the request falls back to f32");
        }
        // f32 is always allowed, trained or not.
        assert!(BertModel::load_with_precision(seeded(&["encoder.layer.1."], &VarMap::new()), &cfg, MatmulPrecision::F32).is_ok());
    }

    #[test]
    fn rejects_unsupported_activation() {
        let mut cfg = tiny().config;
        cfg.hidden_act = "relu".into();
        let vars = VarMap::new();
        assert!(BertModel::load(VarBuilder::from_varmap(&vars, DType::F32, &Device::Cpu), &cfg).is_err());
    }
}
