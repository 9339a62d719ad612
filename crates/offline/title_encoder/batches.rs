//! The title encoder's training batches over cached base embeddings: each step draws
//! `batch` (title, occupation) examples, each title clean or as one of its precomputed
//! noise variants, plus `ons_batch` ONS pairs from distinct unit groups; the loss is the
//! prototype InfoNCE plus `ons_weight` times the pairs' in-batch InfoNCE. A step's draws
//! depend only on the seed and the step number, so a resumed run repeats an uninterrupted one.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use serde::Serialize;

use super::fold::Fold;
use super::held_out_table::mean_direction;
use super::noise::ad_noise;
use super::prototype_loss::{candidate_mask, pair_loss, prototype_loss};
use crate::training::projection_training::BatchOrder;
use resonance_engine::error::{EngineError, Result};
use resonance_engine::rng::Rng;

/// What a step draws and how the loss weighs it (recorded in the run's JSON).
#[derive(Debug, Clone, Serialize)]
pub struct BatchConfig {
    pub batch: usize,
    pub ons_batch: usize,
    /// Noised variants embedded per training title.
    pub noise_variants: usize,
    /// Share of titles drawn clean; the rest take a noise variant.
    pub clean_share: f64,
    pub temperature: f64,
    pub hard_weight: f32,
    pub ons_weight: f64,
    pub seed: u64,
}

/// Noise variant `k` (1-based) of a training title.
pub fn noise_variant(title: &str, k: usize, seed: u64) -> String {
    ad_noise(title, &mut Rng::derived(seed, &format!("variant {k} {title}")))
}

/// Every text a fold's training embeds: titles and their variants, prototypes' texts.
pub fn training_texts(fold: &Fold, config: &BatchConfig) -> Vec<String> {
    let titles = fold.examples.iter().map(|e| &e.title).chain(fold.ons_groups.iter().flatten());
    let mut texts: Vec<String> = titles
        .flat_map(|t| std::iter::once(t.clone()).chain((1..=config.noise_variants).map(|k| noise_variant(t, k, config.seed))))
        .collect();
    texts.extend(fold.prototypes.iter().flat_map(|p| p.texts.iter().cloned()));
    texts.sort();
    texts.dedup();
    texts
}

/// A fold's training data as tensors, and the step sampler.
pub struct TitleBatches<'f> {
    fold: &'f Fold,
    config: BatchConfig,
    embeddings: Tensor,
    row_of: HashMap<String, u32>,
    prototypes: Tensor,
    order: BatchOrder,
}

impl<'f> TitleBatches<'f> {
    /// `embed` gives the base embedding of every text of [`training_texts`].
    pub fn new<'e>(fold: &'f Fold, config: BatchConfig, embed: &dyn Fn(&str) -> &'e [f32]) -> Result<Self> {
        let texts = training_texts(fold, &config);
        let row_of = texts.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        let rows: Vec<Vec<f32>> = texts.iter().map(|t| embed(t).to_vec()).collect();
        let prototypes: Vec<Vec<f32>> =
            fold.prototypes.iter().map(|p| mean_direction(p.texts.iter().map(|t| embed(t)))).collect();
        let order = BatchOrder::new(fold.examples.len(), config.batch, config.seed)?;
        Ok(Self {
            fold,
            embeddings: Tensor::new(rows, &Device::Cpu)?,
            row_of,
            prototypes: Tensor::new(prototypes, &Device::Cpu)?,
            order,
            config,
        })
    }

    /// Steps per pass over the (title, occupation) examples.
    pub fn steps_per_epoch(&self) -> usize {
        self.fold.examples.len() / self.config.batch
    }

    /// The loss of step `step` under the projection (W, b), and its example count.
    pub fn step_loss(&self, step: usize, projection: (&Tensor, &Tensor)) -> Result<(Tensor, usize)> {
        let mut rng = Rng::for_step(self.config.seed, step);
        let chosen = self.order.batch(step);
        let targets: Vec<usize> = chosen.iter().map(|&i| self.fold.examples[i].prototype).collect();
        let queries: Vec<u32> = chosen.iter().map(|&i| self.row(&self.fold.examples[i].title, &mut rng)).collect::<Result<_>>()?;
        let mask = candidate_mask(&self.fold.prototypes, &targets, self.config.hard_weight);
        let queries = self.embeddings.index_select(&Tensor::new(queries, &Device::Cpu)?, 0)?;
        let mut loss = prototype_loss(&queries, &self.prototypes, &targets, &mask, projection, self.config.temperature)?;
        let pairs = self.ons_pairs(&mut rng)?;
        if let Some((first, second)) = &pairs {
            loss = (loss + (pair_loss(first, second, projection, self.config.temperature)? * self.config.ons_weight)?)?;
        }
        Ok((loss, chosen.len() + pairs.map_or(0, |(f, _)| f.dim(0).unwrap_or(0))))
    }

    /// The row of `title`, clean or one of its noise variants.
    fn row(&self, title: &str, rng: &mut Rng) -> Result<u32> {
        let text = if self.config.noise_variants == 0 || rng.chance(self.config.clean_share) {
            title.to_string()
        } else {
            noise_variant(title, 1 + rng.below(self.config.noise_variants), self.config.seed)
        };
        self.row_of.get(&text).copied().ok_or_else(|| EngineError::InvalidInput(format!("no embedding for training text {text:?}")))
    }

    /// Two titles of each of `ons_batch` distinct unit groups (the first maybe noised), as
    /// base embeddings; None when ONS pairs are off or too few groups remain.
    fn ons_pairs(&self, rng: &mut Rng) -> Result<Option<(Tensor, Tensor)>> {
        let groups = &self.fold.ons_groups;
        if self.config.ons_batch < 2 || groups.len() < self.config.ons_batch {
            return Ok(None);
        }
        let mut order: Vec<usize> = (0..groups.len()).collect();
        rng.shuffle(&mut order);
        let (mut first, mut second) = (Vec::new(), Vec::new());
        for &g in &order[..self.config.ons_batch] {
            let mut titles: Vec<&String> = groups[g].iter().collect();
            rng.shuffle(&mut titles);
            first.push(self.row(titles[0], rng)?);
            second.push(self.row_of[titles[1].as_str()]);
        }
        let rows = |ids: Vec<u32>| -> Result<Tensor> { Ok(self.embeddings.index_select(&Tensor::new(ids, &Device::Cpu)?, 0)?) };
        Ok(Some((rows(first)?, rows(second)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::title_encoder::fold::{Prototype, Taxonomy, TitleExample};

    fn fold() -> Fold {
        let prototype = |key: &str, name: &str| Prototype { key: key.into(), taxonomy: Taxonomy::Onet, texts: vec![name.into()], hard_negatives: vec![] };
        Fold {
            source: crate::title_encoder::fold::HeldOutSource::Bls,
            prototypes: vec![prototype("a", "Registered Nurses"), prototype("b", "Welders")],
            examples: ["RN", "staff nurse", "welder", "tig welder"]
                .iter()
                .enumerate()
                .map(|(i, t)| TitleExample { title: t.to_string(), prototype: i / 2 })
                .collect(),
            ons_groups: vec![vec!["ward sister".into(), "theatre sister".into()], vec!["fitter".into(), "welder fitter".into()]],
            probes: vec![],
        }
    }

    fn config() -> BatchConfig {
        BatchConfig { batch: 2, ons_batch: 2, noise_variants: 2, clean_share: 0.3, temperature: 0.05, hard_weight: 2.0, ons_weight: 0.5, seed: 7 }
    }

    #[test]
    fn training_texts_hold_every_title_its_variants_and_the_prototypes() {
        let texts = training_texts(&fold(), &config());
        for t in ["RN", "Welders", "ward sister"] {
            assert!(texts.contains(&t.to_string()), "{t}");
        }
        assert!(texts.contains(&noise_variant("tig welder", 2, 7)));
        assert_eq!(texts.len(), 8 * 3 + 2, "8 titles x (clean + 2 variants) + 2 names");
    }

    #[test]
    fn a_step_repeats_and_every_drawn_text_has_a_row() {
        let f = fold();
        let texts = training_texts(&f, &config());
        let vectors: HashMap<String, Vec<f32>> =
            texts.iter().enumerate().map(|(i, t)| (t.clone(), vec![(i as f32).sin(), (i as f32).cos(), 1.0])).collect();
        let embed = |t: &str| vectors[t].as_slice();
        let batches = TitleBatches::new(&f, config(), &embed).unwrap();
        let vars = candle_nn::VarMap::new();
        let (w, b) = crate::training::projection_training::projection_vars(&vars, 3).unwrap();
        for step in 0..6 {
            let (loss, n) = batches.step_loss(step, (&w, &b)).unwrap();
            let again = batches.step_loss(step, (&w, &b)).unwrap().0;
            assert_eq!(loss.to_scalar::<f32>().unwrap(), again.to_scalar::<f32>().unwrap());
            assert_eq!(n, 4, "2 examples + 2 ONS pairs");
        }
    }
}
