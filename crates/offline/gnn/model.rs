//! The skill GAT: two graph attention layers on top of the bi-encoder embeddings, a residual
//! back to the input, and L2 normalisation, so the output is a refined bi-encoder embedding
//! that stays comparable to the input space (cosine similarity keeps its meaning).
//!
//!   h1  = ELU(concat over heads of GAT1(x))        N x (heads * head_dim)
//!   out = normalise(x + GAT2(h1))                  N x input_dim, GAT2 has one head
//!
//! GAT2's W starts at zero, so the untrained model returns the input embeddings exactly and
//! training starts from the un-enriched baseline.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor, Var, D};

use super::attention::{GatLayer, GatLayerShape};
use super::links::{MessageGraph, NodePair};
use resonance_engine::rng::Rng as SeededRng;
use resonance_engine::error::{EngineError, Result};
use resonance_engine::pooling::l2_normalize;

/// Sizes and constants of the model.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GatConfig {
    /// Embedding length in and out (384 for all-MiniLM-L6-v2).
    pub input_dim: usize,
    /// Attention heads of layer 1, concatenated (Velickovic et al. concatenate hidden heads;
    /// several heads steady the attention, which is noisy early in training).
    pub heads: usize,
    /// Features per head in layer 1.
    pub head_dim: usize,
    /// LeakyReLU slope of the attention logits (0.2 in the GAT paper).
    pub negative_slope: f64,
    /// Dropout on layer 1's output while training.
    pub dropout: f64,
}

impl GatConfig {
    /// The defaults for `input_dim`-long embeddings: 4 heads x 32 features (128 hidden; 4 x 64
    /// doubled the parameters for the same dev-graph test AUC, 0.983), slope 0.2, no dropout
    /// (0.1 changed the dev-graph test AUC by 0.0004, under its standard error of 0.0015).
    pub fn for_dim(input_dim: usize) -> Self {
        Self { input_dim, heads: 4, head_dim: 32, negative_slope: 0.2, dropout: 0.0 }
    }

    /// Layer 1's output width.
    pub fn hidden_dim(&self) -> usize {
        self.heads * self.head_dim
    }
}

/// The model and its link scorer.
#[derive(Debug)]
pub struct SkillGat {
    config: GatConfig,
    layer1: GatLayer,
    layer2: GatLayer,
    /// Link logit = scale * cos(u, v) + offset; AUC does not depend on either.
    score_scale: Var,
    score_offset: Var,
}

/// Initial link-logit scale: a temperature of 0.1, as is usual for cosine logits.
const INITIAL_SCORE_SCALE: f32 = 10.0;
/// Initial link-logit offset: puts the decision point at cosine 0.3, between MiniLM's typical
/// cosine for unrelated skill names (~0.1-0.2) and related ones (~0.4-0.6).
const INITIAL_SCORE_OFFSET: f32 = -3.0;

impl SkillGat {
    /// A freshly initialised model, weights drawn from `rng`.
    pub fn new(config: GatConfig, rng: &mut SeededRng) -> Result<Self> {
        if !(0.0..1.0).contains(&config.dropout) || !(0.0..1.0).contains(&config.negative_slope) {
            return Err(EngineError::InvalidInput(format!(
                "dropout {} and negative slope {} must be in [0, 1)",
                config.dropout, config.negative_slope
            )));
        }
        let layer1 = GatLayer::new(
            GatLayerShape { input_dim: config.input_dim, heads: config.heads, head_dim: config.head_dim },
            config.negative_slope,
            false,
            rng,
        )?;
        let layer2 = GatLayer::new(
            GatLayerShape { input_dim: config.hidden_dim(), heads: 1, head_dim: config.input_dim },
            config.negative_slope,
            true,
            rng,
        )?;
        Ok(Self {
            config,
            layer1,
            layer2,
            score_scale: Var::new(&[INITIAL_SCORE_SCALE], &Device::Cpu)?,
            score_offset: Var::new(&[INITIAL_SCORE_OFFSET], &Device::Cpu)?,
        })
    }

    /// The model's configuration.
    pub fn config(&self) -> &GatConfig {
        &self.config
    }

    /// Every trainable tensor with its name, in a fixed order.
    pub fn named_vars(&self) -> Vec<(String, &Var)> {
        let mut vars = self.layer1.named_vars("layer1");
        vars.extend(self.layer2.named_vars("layer2"));
        vars.push(("score.scale".into(), &self.score_scale));
        vars.push(("score.offset".into(), &self.score_offset));
        vars
    }

    /// The trainable variables with their names, for the optimiser.
    pub fn owned_named_vars(&self) -> Vec<(String, Var)> {
        self.named_vars().into_iter().map(|(name, v)| (name, v.clone())).collect()
    }

    /// Number of trainable scalars.
    pub fn parameter_count(&self) -> usize {
        self.named_vars().iter().map(|(_, v)| v.elem_count()).sum()
    }

    /// Enriched embeddings, (N, input_dim), unit rows. `dropout_rng` is given while training
    /// (dropout on layer 1's output) and None for evaluation.
    pub fn forward(&self, x: &Tensor, graph: &MessageGraph, dropout_rng: Option<&mut SeededRng>) -> Result<Tensor> {
        let nodes = x.dim(0)?;
        let hidden = self.layer1.forward(x, graph)?.reshape((nodes, self.config.hidden_dim()))?.elu(1.0)?;
        let hidden = match dropout_rng {
            Some(rng) if self.config.dropout > 0.0 => dropout(&hidden, self.config.dropout, rng)?,
            _ => hidden,
        };
        let update = self.layer2.forward(&hidden, graph)?.reshape((nodes, self.config.input_dim))?;
        Ok(l2_normalize(&(x + update)?)?)
    }

    /// Layer 1's attention weights, (E, heads), for inspection and tests.
    pub fn first_layer_attention(&self, x: &Tensor, graph: &MessageGraph) -> Result<Tensor> {
        self.layer1.attention(x, graph)
    }

    /// Link logits for `pairs` from unit embeddings `embeddings` (N, dim).
    pub fn link_logits(&self, embeddings: &Tensor, pairs: &[NodePair]) -> Result<Tensor> {
        let cosine = pair_cosines(embeddings, pairs)?;
        Ok(cosine.broadcast_mul(self.score_scale.as_tensor())?.broadcast_add(self.score_offset.as_tensor())?)
    }

    /// Copies of the current weights, to come back to the best epoch.
    pub fn snapshot(&self) -> Result<Vec<Tensor>> {
        self.named_vars().iter().map(|(_, v)| Ok(v.as_tensor().copy()?)).collect()
    }

    /// Sets the weights to `snapshot` (from `snapshot()` of this model).
    pub fn restore(&self, snapshot: &[Tensor]) -> Result<()> {
        let vars = self.named_vars();
        if snapshot.len() != vars.len() {
            return Err(EngineError::InvalidInput(format!(
                "snapshot has {} tensors, model {}",
                snapshot.len(),
                vars.len()
            )));
        }
        for ((_, var), value) in vars.iter().zip(snapshot) {
            var.set(value)?;
        }
        Ok(())
    }

    /// Writes the weights as safetensors.
    pub fn save(&self, path: &Path) -> Result<()> {
        let tensors: HashMap<String, Tensor> =
            self.named_vars().into_iter().map(|(n, v)| (n, v.as_tensor().clone())).collect();
        candle_core::safetensors::save(&tensors, path)
            .map_err(|e| EngineError::InvalidInput(format!("cannot write {}: {e}", path.display())))
    }

    /// A model of shape `config` with the weights of the safetensors file at `path`.
    pub fn load(path: &Path, config: GatConfig) -> Result<Self> {
        let tensors = candle_core::safetensors::load(path, &Device::Cpu)
            .map_err(|e| EngineError::CorruptModelFile { path: path.to_path_buf(), reason: e.to_string() })?;
        let model = Self::new(config, &mut SeededRng::new(0))?;
        for (name, var) in model.named_vars() {
            let value = tensors.get(&name).ok_or_else(|| EngineError::CorruptModelFile {
                path: path.to_path_buf(),
                reason: format!("tensor {name} is missing"),
            })?;
            if value.shape() != var.shape() {
                return Err(EngineError::CorruptModelFile {
                    path: path.to_path_buf(),
                    reason: format!(
                        "tensor {name} has shape {:?}, the configuration needs {:?}",
                        value.dims(),
                        var.dims()
                    ),
                });
            }
            var.set(value)?;
        }
        Ok(model)
    }
}

/// Cosine (dot product of unit rows) of each pair, (P,).
pub fn pair_cosines(embeddings: &Tensor, pairs: &[NodePair]) -> Result<Tensor> {
    let device = embeddings.device();
    let firsts = Tensor::from_iter(pairs.iter().map(|p| p.0), device)?;
    let seconds = Tensor::from_iter(pairs.iter().map(|p| p.1), device)?;
    Ok(embeddings.index_select(&firsts, 0)?.mul(&embeddings.index_select(&seconds, 0)?)?.sum(D::Minus1)?)
}

/// Inverted dropout with a mask from `rng` (candle's own dropout draws unseeded numbers).
fn dropout(x: &Tensor, rate: f64, rng: &mut SeededRng) -> Result<Tensor> {
    let keep = (1.0 / (1.0 - rate)) as f32;
    let mask: Vec<f32> = (0..x.elem_count()).map(|_| if f64::from(rng.unit_f32()) < rate { 0.0 } else { keep }).collect();
    Ok(x.mul(&Tensor::from_vec(mask, x.shape(), x.device())?)?)
}
