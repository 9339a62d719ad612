//! Where a model's tensors come from: a pinned base file, an overlay of trained tensors
//! (a shipped delta or a checkpoint), fresh seeded initialisation for layers the base
//! does not have (a new pooler and classifier), and which tensors are trainable.
//!
//! The model code asks a `VarBuilder` for tensors by name; [`WeightStack`] answers. A
//! trainable tensor comes back as a candle `Var` registered in a `VarMap` (so the
//! optimizer, the checkpoint and the delta see exactly the trained tensors); every other
//! tensor is a constant, so no gradient is computed for it and backward stops at the
//! highest frozen layer.

use std::collections::HashMap;
use std::path::Path;

use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, Device, Shape, Tensor, Var};
use candle_nn::{Init, VarBuilder, VarMap};
use serde::{Deserialize, Serialize};

use crate::rng::Rng;
use crate::error::{EngineError, Result};

/// The standard deviation BERT initialises its weights with (`initializer_range` in every
/// BERT config.json, 0.02 in all-MiniLM-L6-v2's).
pub const BERT_INIT_STD: f64 = 0.02;

/// Which tensors a training run updates, as name prefixes. "" selects everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainableSelection {
    pub prefixes: Vec<String>,
}

impl TrainableSelection {
    pub fn new<S: Into<String>>(prefixes: impl IntoIterator<Item = S>) -> Self {
        Self { prefixes: prefixes.into_iter().map(Into::into).collect() }
    }

    /// Whether tensor `name` trains.
    pub fn contains(&self, name: &str) -> bool {
        self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
    }
}

/// The usual choices of what to train on top of a pretrained encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainableScope {
    /// Only the task head (cross-encoder: pooler + classifier; bi-encoder: projection).
    Head,
    /// The head and the top `n` transformer layers.
    TopLayers(usize),
    /// Everything: embeddings, all layers, head.
    Full,
}

impl TrainableScope {
    /// The selection for a model whose encoder tensors sit under `encoder_prefix`
    /// (`"bert."` or `""`), with `num_layers` layers and its head under `head_prefixes`.
    pub fn selection(
        &self,
        encoder_prefix: &str,
        num_layers: usize,
        head_prefixes: &[&str],
    ) -> Result<TrainableSelection> {
        let head = head_prefixes.iter().map(|p| p.to_string());
        match *self {
            TrainableScope::Head => Ok(TrainableSelection::new(head)),
            TrainableScope::TopLayers(n) if n > num_layers => {
                Err(EngineError::InvalidInput(format!("cannot train the top {n} layers of a {num_layers}-layer model")))
            }
            TrainableScope::TopLayers(n) => Ok(TrainableSelection::new(
                (num_layers - n..num_layers).map(|i| format!("{encoder_prefix}encoder.layer.{i}.")).chain(head),
            )),
            TrainableScope::Full => Ok(TrainableSelection::new([""])),
        }
    }
}

/// Seeded initialisation of the layers a model adds on top of its base (`prefixes`, e.g. a
/// new pooler and classifier). Limited to those prefixes so that a misspelt base prefix
/// is an error rather than a silently random encoder.
#[derive(Debug, Clone)]
pub struct FreshInit {
    pub seed: u64,
    pub std: f64,
    pub prefixes: Vec<String>,
}

/// Answers a `VarBuilder`'s requests from base, overlay, fresh init and trainable set.
pub struct WeightStack {
    base: Option<MmapedSafetensors>,
    /// What model names carry in front of base names: `"bert."` when a bare encoder
    /// (sentence-transformers layout) is the base of a sequence classifier.
    base_prefix: String,
    overlay: HashMap<String, Tensor>,
    fresh: Option<FreshInit>,
    trainable: Option<(TrainableSelection, VarMap)>,
}

impl WeightStack {
    /// A stack with nothing in it: every request fails until a source is added.
    pub fn new() -> Self {
        Self { base: None, base_prefix: String::new(), overlay: HashMap::new(), fresh: None, trainable: None }
    }

    /// Reads base tensors from `base`, whose names lack `base_prefix`.
    pub fn with_base(mut self, base: MmapedSafetensors, base_prefix: &str) -> Self {
        self.base = Some(base);
        self.base_prefix = base_prefix.to_string();
        self
    }

    /// Tensors that take precedence over the base (a trained delta, a checkpoint).
    pub fn with_overlay(mut self, overlay: HashMap<String, Tensor>) -> Self {
        self.overlay = overlay;
        self
    }

    /// Initialises the layers under `fresh.prefixes` anew instead of reading them.
    pub fn with_fresh_init(mut self, fresh: FreshInit) -> Self {
        self.fresh = Some(fresh);
        self
    }

    /// Makes the selected tensors `Var`s registered in `vars`.
    pub fn with_trainable(mut self, selection: TrainableSelection, vars: VarMap) -> Self {
        self.trainable = Some((selection, vars));
        self
    }

    /// The `VarBuilder` a model `load`s from (f32, CPU).
    pub fn into_var_builder(self) -> VarBuilder<'static> {
        VarBuilder::from_backend(Box::new(self), DType::F32, Device::Cpu)
    }

    /// `name` from the base file, or None if the base lacks it.
    fn base_value(&self, name: &str) -> Option<candle_core::Result<Tensor>> {
        let base = self.base.as_ref()?;
        let base_name = name.strip_prefix(self.base_prefix.as_str())?;
        base.get(base_name).ok()?;
        Some(base.load(base_name, &Device::Cpu))
    }

    /// A fresh value for `name`, or None if it is not under a fresh prefix.
    fn fresh_value(&self, name: &str, shape: &Shape, hint: Init) -> Option<candle_core::Result<Tensor>> {
        let fresh = self.fresh.as_ref().filter(|f| f.prefixes.iter().any(|p| name.starts_with(p.as_str())))?;
        Some(fresh_tensor(fresh, name, shape, hint))
    }

    /// The value of `name` before any trainable wrapping: overlay, then fresh (a layer new
    /// to this model replaces any namesake in the base), then base.
    fn value(&self, name: &str, shape: &Shape, hint: Init) -> candle_core::Result<Tensor> {
        let found = self
            .overlay
            .get(name)
            .cloned()
            .map(Ok)
            .or_else(|| self.fresh_value(name, shape, hint))
            .or_else(|| self.base_value(name))
            .unwrap_or_else(|| Err(candle_core::Error::CannotFindTensor { path: name.to_string() }))?
            .to_dtype(DType::F32)?;
        if found.shape() != shape {
            candle_core::bail!("tensor {name} has shape {:?}, the model expects {:?}", found.shape(), shape);
        }
        Ok(found)
    }
}

impl Default for WeightStack {
    fn default() -> Self {
        Self::new()
    }
}

impl candle_nn::var_builder::SimpleBackend for WeightStack {
    /// A trainable tensor as the (once created, then shared) Var; others as constants.
    fn get(&self, shape: Shape, name: &str, hint: Init, _dtype: DType, _dev: &Device) -> candle_core::Result<Tensor> {
        let Some((_, vars)) = self.trainable.as_ref().filter(|(selection, _)| selection.contains(name)) else {
            return self.value(name, &shape, hint);
        };
        let mut registered = vars.data().lock().expect("VarMap lock poisoned by a panic elsewhere");
        if let Some(var) = registered.get(name) {
            return Ok(var.as_tensor().clone());
        }
        let var = Var::from_tensor(&self.value(name, &shape, hint)?)?;
        let tensor = var.as_tensor().clone();
        registered.insert(name.to_string(), var);
        Ok(tensor)
    }

    fn get_unchecked(&self, name: &str, _dtype: DType, _dev: &Device) -> candle_core::Result<Tensor> {
        self.overlay
            .get(name)
            .cloned()
            .map(Ok)
            .or_else(|| self.base_value(name))
            .unwrap_or_else(|| Err(candle_core::Error::CannotFindTensor { path: name.to_string() }))
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.overlay.contains_key(name) || self.base_value(name).is_some()
    }
}

/// BERT's initialisation, seeded per tensor name: a constant where the layer asks for one
/// (LayerNorm: ones and zeros), zero biases, and N(0, std) matrices.
fn fresh_tensor(fresh: &FreshInit, name: &str, shape: &Shape, hint: Init) -> candle_core::Result<Tensor> {
    match hint {
        Init::Const(c) => Tensor::full(c as f32, shape, &Device::Cpu),
        _ if shape.rank() < 2 => Tensor::zeros(shape, DType::F32, &Device::Cpu),
        _ => {
            let mut rng = Rng::derived(fresh.seed, name);
            let values: Vec<f32> = (0..shape.elem_count()).map(|_| (rng.normal() * fresh.std) as f32).collect();
            Tensor::from_vec(values, shape, &Device::Cpu)
        }
    }
}

/// The trained tensors of `vars`, sorted by name: what a checkpoint and a delta store.
pub fn trained_tensors(vars: &VarMap) -> HashMap<String, Tensor> {
    let registered = vars.data().lock().expect("VarMap lock poisoned by a panic elsewhere");
    registered.iter().map(|(name, var)| (name.clone(), var.as_tensor().detach())).collect()
}

/// Writes the trained tensors of `vars` (only those) as safetensors: the delta over the
/// pinned base that ships in models/.
pub fn save_delta(vars: &VarMap, path: &Path) -> Result<()> {
    candle_core::safetensors::save(&trained_tensors(vars), path).map_err(|e| write_failed(path, e))
}

/// A file that could not be written. The engine has no I/O error kind; the path is the
/// caller's choice (an output or checkpoint directory), so it is reported as bad input.
pub fn write_failed(path: &Path, error: impl std::fmt::Display) -> EngineError {
    EngineError::InvalidInput(format!("cannot write {}: {error}", path.display()))
}

/// Reads a delta (or a checkpoint's tensors) written by [`save_delta`].
pub fn load_delta(path: &Path) -> Result<HashMap<String, Tensor>> {
    if !path.exists() {
        return Err(EngineError::MissingModelFile { path: path.to_path_buf() });
    }
    candle_core::safetensors::load(path, &Device::Cpu)
        .map_err(|e| EngineError::CorruptModelFile { path: path.to_path_buf(), reason: e.to_string() })
}

/// Sets each var of `vars` to the tensor of the same name in `values`; the two name sets
/// must match exactly, so a checkpoint of another selection is refused, not half-applied.
pub fn assign(vars: &VarMap, values: &HashMap<String, Tensor>, source: &Path) -> Result<()> {
    let registered = vars.data().lock().expect("VarMap lock poisoned by a panic elsewhere");
    let mismatch = |reason: String| EngineError::CorruptModelFile { path: source.to_path_buf(), reason };
    let mut expected: Vec<&String> = registered.keys().collect();
    let mut found: Vec<&String> = values.keys().collect();
    expected.sort();
    found.sort();
    if expected != found {
        let missing: Vec<_> = expected.iter().filter(|n| !values.contains_key(n.as_str())).take(3).collect();
        let extra: Vec<_> = found.iter().filter(|n| !registered.contains_key(n.as_str())).take(3).collect();
        return Err(mismatch(format!(
            "holds other trainable tensors than this run ({} vs {}; missing e.g. {missing:?}, extra e.g. {extra:?})",
            found.len(),
            expected.len()
        )));
    }
    for (name, var) in registered.iter() {
        var.set(&values[name]).map_err(|e| mismatch(format!("tensor {name}: {e}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::var_builder::SimpleBackend;

    fn fresh_everything(seed: u64) -> WeightStack {
        WeightStack::new().with_fresh_init(FreshInit { seed, std: 1.0, prefixes: vec![String::new()] })
    }

    fn values(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1().unwrap()
    }

    #[test]
    fn fresh_init_depends_on_seed_and_name_only() {
        let shape = Shape::from((3, 4));
        let hint = Init::Randn { mean: 0.0, stdev: 1.0 };
        let a = fresh_everything(1).get(shape.clone(), "w", hint, DType::F32, &Device::Cpu).unwrap();
        let b = fresh_everything(1).get(shape.clone(), "w", hint, DType::F32, &Device::Cpu).unwrap();
        let c = fresh_everything(2).get(shape.clone(), "w", hint, DType::F32, &Device::Cpu).unwrap();
        let d = fresh_everything(1).get(shape, "v", hint, DType::F32, &Device::Cpu).unwrap();
        assert_eq!(values(&a), values(&b));
        assert_ne!(values(&a), values(&c));
        assert_ne!(values(&a), values(&d));
    }

    #[test]
    fn biases_are_zero_and_constants_are_honoured() {
        let stack = fresh_everything(1);
        let bias =
            stack.get(Shape::from(3), "b", Init::Randn { mean: 0.0, stdev: 1.0 }, DType::F32, &Device::Cpu).unwrap();
        let ones = stack.get(Shape::from(3), "g", Init::Const(1.0), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(values(&bias), vec![0.0; 3]);
        assert_eq!(values(&ones), vec![1.0; 3]);
    }

    #[test]
    fn fresh_init_only_under_its_prefixes() {
        let stack = WeightStack::new().with_fresh_init(FreshInit { seed: 1, std: 1.0, prefixes: vec!["head.".into()] });
        assert!(stack.get(Shape::from(2), "head.bias", Init::Const(0.0), DType::F32, &Device::Cpu).is_ok());
        let err = stack.get(Shape::from(2), "encoder.bias", Init::Const(0.0), DType::F32, &Device::Cpu).unwrap_err();
        assert!(err.to_string().contains("encoder.bias"), "{err}");
    }

    #[test]
    fn overlay_wins_and_shape_is_checked() {
        let overlay = HashMap::from([("x".to_string(), Tensor::new(&[5f32, 6.], &Device::Cpu).unwrap())]);
        let stack = fresh_everything(1).with_overlay(overlay);
        let x = stack.get(Shape::from(2), "x", Init::Const(0.0), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(values(&x), vec![5.0, 6.0]);
        assert!(stack.get(Shape::from(3), "x", Init::Const(0.0), DType::F32, &Device::Cpu).is_err());
    }

    #[test]
    fn only_selected_tensors_become_vars() {
        let vars = VarMap::new();
        let stack = fresh_everything(1).with_trainable(TrainableSelection::new(["head."]), vars.clone());
        let head = stack.get(Shape::from(2), "head.w", Init::Const(0.0), DType::F32, &Device::Cpu).unwrap();
        let body = stack.get(Shape::from(2), "body.w", Init::Const(0.0), DType::F32, &Device::Cpu).unwrap();
        assert!(head.is_variable());
        assert!(!body.is_variable());
        assert_eq!(trained_tensors(&vars).keys().collect::<Vec<_>>(), vec!["head.w"]);
    }

    #[test]
    fn scopes_select_the_expected_prefixes() {
        let top = TrainableScope::TopLayers(2).selection("bert.", 6, &["classifier."]).unwrap();
        assert!(top.contains("bert.encoder.layer.5.output.dense.weight"));
        assert!(top.contains("bert.encoder.layer.4.attention.self.query.bias"));
        assert!(!top.contains("bert.encoder.layer.3.output.dense.weight"));
        assert!(top.contains("classifier.weight"));
        assert!(!top.contains("bert.embeddings.word_embeddings.weight"));
        let head = TrainableScope::Head.selection("bert.", 6, &["classifier."]).unwrap();
        assert!(!head.contains("bert.encoder.layer.5.output.dense.weight"));
        assert!(TrainableScope::Full.selection("", 6, &[]).unwrap().contains("embeddings.word_embeddings.weight"));
        assert!(TrainableScope::TopLayers(7).selection("", 6, &[]).is_err());
    }

    #[test]
    fn assign_refuses_another_selection() {
        let vars = VarMap::new();
        let stack = fresh_everything(1).with_trainable(TrainableSelection::new([""]), vars.clone());
        stack.get(Shape::from(2), "a", Init::Const(0.0), DType::F32, &Device::Cpu).unwrap();
        let other = HashMap::from([("b".to_string(), Tensor::zeros(2, DType::F32, &Device::Cpu).unwrap())]);
        assert!(assign(&vars, &other, Path::new("ckpt")).is_err());
        let same = HashMap::from([("a".to_string(), Tensor::new(&[1f32, 2.], &Device::Cpu).unwrap())]);
        assign(&vars, &same, Path::new("ckpt")).unwrap();
        assert_eq!(values(&trained_tensors(&vars)["a"]), vec![1.0, 2.0]);
    }
}
