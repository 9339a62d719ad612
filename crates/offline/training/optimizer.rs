//! AdamW (Loshchilov & Hutter, decoupled weight decay), the one optimiser of the offline
//! crate: the encoders' trainer and the skill GAT both step with it. It is written here
//! rather than taken from candle_nn because candle_nn's AdamW keeps its moments private, so
//! a run resumed from a checkpoint would restart them at zero and leave the path of an
//! uninterrupted run.

use std::collections::HashMap;
use std::path::Path;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use candle_nn::VarMap;
use serde::{Deserialize, Serialize};

use resonance_engine::error::{EngineError, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdamWConfig {
    /// Peak learning rate (the schedule scales it per step).
    pub learning_rate: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// Clip the global gradient norm to this, or None.
    pub max_grad_norm: Option<f64>,
    /// Decay vectors and scalars too (biases, LayerNorm gains, attention vectors), as an
    /// AdamW over all of a model's parameters does. False for the encoders (BERT's recipe,
    /// see `Slot::decays`); the skill GAT sets it, having been tuned with decay on all.
    #[serde(default)]
    pub decay_vectors: bool,
}

impl Default for AdamWConfig {
    /// BERT fine-tuning defaults: lr 2e-5 (the low end of Devlin et al.'s 2e-5..5e-5 grid),
    /// Adam's betas and eps, weight decay 0.01 and gradient clipping at norm 1.0 (Hugging
    /// Face Trainer's and sentence-transformers' defaults).
    fn default() -> Self {
        Self {
            learning_rate: 2e-5,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
            max_grad_norm: Some(1.0),
            decay_vectors: false,
        }
    }
}

/// One trained tensor and its moment estimates.
struct Slot {
    name: String,
    var: Var,
    first_moment: Tensor,
    second_moment: Tensor,
    /// Biases and LayerNorm weights (rank 1) are not decayed, as in BERT's own recipe:
    /// pulling a LayerNorm gain towards 0 shrinks the whole layer's output (unless the
    /// configuration's `decay_vectors` says otherwise).
    decays: bool,
}

pub struct AdamW {
    slots: Vec<Slot>,
    config: AdamWConfig,
    steps_taken: usize,
}

impl AdamW {
    /// An optimizer over every var of `vars`, moments at zero.
    pub fn new(vars: &VarMap, config: AdamWConfig) -> Result<Self> {
        let registered = vars.data().lock().expect("VarMap lock poisoned by a panic elsewhere");
        Self::over(registered.iter().map(|(name, var)| (name.clone(), var.clone())).collect(), config)
    }

    /// An optimizer over the named vars, moments at zero; the names key the saved moments.
    pub fn over(mut vars: Vec<(String, Var)>, config: AdamWConfig) -> Result<Self> {
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let slots = vars
            .into_iter()
            .map(|(name, var)| {
                Ok(Slot {
                    name,
                    first_moment: var.as_tensor().zeros_like()?,
                    second_moment: var.as_tensor().zeros_like()?,
                    decays: config.decay_vectors || var.as_tensor().rank() > 1,
                    var,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if slots.is_empty() {
            return Err(EngineError::InvalidInput(
                "nothing to train: the trainable selection matched no tensor".into(),
            ));
        }
        Ok(Self { slots, config, steps_taken: 0 })
    }

    pub fn config(&self) -> &AdamWConfig {
        &self.config
    }

    pub fn steps_taken(&self) -> usize {
        self.steps_taken
    }

    /// One update with learning rate `lr`; returns the gradient norm before clipping.
    /// Tensors the loss does not reach keep their values and moments.
    pub fn step(&mut self, grads: &GradStore, lr: f64) -> Result<f64> {
        let grads: Vec<Option<Tensor>> =
            self.slots.iter().map(|s| grads.get(s.var.as_tensor()).map(Tensor::detach)).collect();
        let norm = global_norm(&grads)?;
        let clip = match self.config.max_grad_norm {
            // torch.nn.utils.clip_grad_norm_'s factor, with its 1e-6 guard.
            Some(max) if norm > max => max / (norm + 1e-6),
            _ => 1.0,
        };
        self.steps_taken += 1;
        let c = &self.config;
        let t = self.steps_taken as i32;
        let (bias1, bias2) = (1.0 - c.beta1.powi(t), 1.0 - c.beta2.powi(t));
        for (slot, grad) in self.slots.iter_mut().zip(grads) {
            let Some(grad) = grad else { continue };
            let grad = (grad * clip)?;
            slot.first_moment = ((&slot.first_moment * c.beta1)? + (&grad * (1.0 - c.beta1))?)?;
            slot.second_moment = ((&slot.second_moment * c.beta2)? + (grad.sqr()? * (1.0 - c.beta2))?)?;
            let update = ((&slot.first_moment / bias1)? / ((&slot.second_moment / bias2)?.sqrt()? + c.eps)?)?;
            let decay = if slot.decays { 1.0 - lr * c.weight_decay } else { 1.0 };
            let theta = slot.var.as_tensor().detach();
            slot.var.set(&((theta * decay)? - (update * lr)?)?)?;
        }
        Ok(norm)
    }

    /// The moments by name (`m.<tensor>`, `v.<tensor>`), for a checkpoint.
    pub fn moments(&self) -> HashMap<String, Tensor> {
        self.slots
            .iter()
            .flat_map(|s| {
                [(format!("m.{}", s.name), s.first_moment.clone()), (format!("v.{}", s.name), s.second_moment.clone())]
            })
            .collect()
    }

    /// Restores moments saved by [`AdamW::moments`] after `steps_taken` updates.
    pub fn restore(&mut self, moments: &HashMap<String, Tensor>, steps_taken: usize, source: &Path) -> Result<()> {
        let corrupt = |reason: String| EngineError::CorruptModelFile { path: source.to_path_buf(), reason };
        if moments.len() != 2 * self.slots.len() {
            return Err(corrupt(format!("{} moment tensors for {} trained tensors", moments.len(), self.slots.len())));
        }
        for slot in &mut self.slots {
            for (key, target) in [("m", &mut slot.first_moment), ("v", &mut slot.second_moment)] {
                let name = format!("{key}.{}", slot.name);
                let saved = moments.get(&name).ok_or_else(|| corrupt(format!("moment {name} is missing")))?;
                if saved.dims() != target.dims() {
                    return Err(corrupt(format!(
                        "moment {name} has shape {:?}, expected {:?}",
                        saved.dims(),
                        target.dims()
                    )));
                }
                *target = saved.clone();
            }
        }
        self.steps_taken = steps_taken;
        Ok(())
    }
}

/// sqrt of the sum of squares of all gradients present.
fn global_norm(grads: &[Option<Tensor>]) -> Result<f64> {
    let mut sum = 0f64;
    for g in grads.iter().flatten() {
        sum += g.sqr()?.sum_all()?.to_scalar::<f32>()? as f64;
    }
    Ok(sum.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    fn one_var(values: &[f32], name: &str) -> (VarMap, Var) {
        let vars = VarMap::new();
        let var = Var::new(values, &Device::Cpu).unwrap();
        vars.data().lock().unwrap().insert(name.to_string(), var.clone());
        (vars, var)
    }

    #[test]
    fn first_step_moves_each_weight_by_lr_against_its_gradient_sign() {
        // Bias-corrected Adam's first update is lr * g / (|g| + eps) = lr * sign(g).
        let (vars, var) = one_var(&[1.0, -2.0], "w");
        let config = AdamWConfig { learning_rate: 0.1, weight_decay: 0.0, max_grad_norm: None, ..Default::default() };
        let mut opt = AdamW::new(&vars, config).unwrap();
        let loss = (var.as_tensor() * &Tensor::new(&[3f32, -0.5], &Device::Cpu).unwrap()).unwrap().sum_all().unwrap();
        opt.step(&loss.backward().unwrap(), 0.1).unwrap();
        let got = var.as_tensor().to_vec1::<f32>().unwrap();
        assert!((got[0] - 0.9).abs() < 1e-6 && (got[1] + 1.9).abs() < 1e-6, "{got:?}");
    }

    #[test]
    fn weight_decay_applies_to_matrices_not_to_vectors() {
        let vars = VarMap::new();
        let matrix = Var::ones((1, 1), DType::F32, &Device::Cpu).unwrap();
        let vector = Var::ones(1, DType::F32, &Device::Cpu).unwrap();
        vars.data().lock().unwrap().insert("m".into(), matrix.clone());
        vars.data().lock().unwrap().insert("v".into(), vector.clone());
        let config = AdamWConfig { weight_decay: 0.5, max_grad_norm: None, ..Default::default() };
        let mut opt = AdamW::new(&vars, config).unwrap();
        // Vanishing gradients, so only decay moves a weight (a factor of exactly 0 would
        // make candle prune the graph and report no gradient at all).
        let loss =
            ((matrix.as_tensor().sum_all().unwrap() + vector.as_tensor().sum_all().unwrap()).unwrap() * 1e-20).unwrap();
        opt.step(&loss.backward().unwrap(), 0.1).unwrap();
        let m = matrix.as_tensor().sum_all().unwrap().to_scalar::<f32>().unwrap();
        assert!((m - 0.95).abs() < 1e-6, "{m}");
        assert!((vector.as_tensor().to_vec1::<f32>().unwrap()[0] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn decay_vectors_decays_every_tensor() {
        let vector = Var::ones(1, DType::F32, &Device::Cpu).unwrap();
        let config = AdamWConfig { weight_decay: 0.5, max_grad_norm: None, decay_vectors: true, ..Default::default() };
        let mut opt = AdamW::over(vec![("v".into(), vector.clone())], config).unwrap();
        let loss = (vector.as_tensor().sum_all().unwrap() * 1e-20).unwrap();
        opt.step(&loss.backward().unwrap(), 0.1).unwrap();
        assert!((vector.as_tensor().to_vec1::<f32>().unwrap()[0] - 0.95).abs() < 1e-6);
    }

    #[test]
    fn clipping_reports_the_unclipped_norm() {
        let (vars, var) = one_var(&[0.0, 0.0], "w");
        let mut opt = AdamW::new(&vars, AdamWConfig::default()).unwrap();
        let loss = (var.as_tensor() * &Tensor::new(&[3f32, 4.], &Device::Cpu).unwrap()).unwrap().sum_all().unwrap();
        let norm = opt.step(&loss.backward().unwrap(), 1e-3).unwrap();
        assert!((norm - 5.0).abs() < 1e-5);
    }

    #[test]
    fn restore_round_trips_and_rejects_foreign_state() {
        let (vars, var) = one_var(&[1.0], "w");
        let mut opt = AdamW::new(&vars, AdamWConfig::default()).unwrap();
        let loss = var.as_tensor().sqr().unwrap().sum_all().unwrap();
        opt.step(&loss.backward().unwrap(), 0.1).unwrap();
        let saved = opt.moments();
        let mut other = AdamW::new(&vars, AdamWConfig::default()).unwrap();
        other.restore(&saved, 1, Path::new("x")).unwrap();
        assert_eq!(other.steps_taken(), 1);
        assert_eq!(other.moments()["m.w"].to_vec1::<f32>().unwrap(), saved["m.w"].to_vec1::<f32>().unwrap());
        let (foreign_vars, _) = one_var(&[1.0], "u");
        let mut foreign = AdamW::new(&foreign_vars, AdamWConfig::default()).unwrap();
        assert!(foreign.restore(&saved, 1, Path::new("x")).is_err());
    }

    #[test]
    fn empty_selection_is_an_error() {
        assert!(AdamW::new(&VarMap::new(), AdamWConfig::default()).is_err());
    }
}
