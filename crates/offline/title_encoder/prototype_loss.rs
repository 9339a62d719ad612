//! InfoNCE of a title against every occupation prototype of its taxonomy, through the
//! bi-encoder's projection (`engine::projection`, the same residual map the job/resume
//! projection uses, so the extension can load it the same way).
//!
//! Why every prototype rather than in-batch ones: a taxonomy has a few thousand occupations,
//! so scoring all of them costs one [batch, 384] x [384, P] product, and a batch never holds
//! a false negative (two titles of one occupation would count each other's prototype as
//! wrong). Hard negatives (SOC siblings, look-alike names; `fold::mine_hard_negatives`) are
//! among them anyway; they are weighed up in the softmax's denominator, as if each appeared
//! `hard_weight` times (Robinson et al. 2021, "Contrastive learning with hard negative
//! samples", reweight the negatives the same way).

use candle_core::{Device, Tensor};

use super::fold::Prototype;
use crate::training::losses::info_nce;
use resonance_engine::error::Result;
use resonance_engine::projection::project;

/// Logit offset of a prototype of the other taxonomy: not a candidate (exp(-1e4) is 0).
const NOT_A_CANDIDATE: f32 = -1e4;

/// The additive logit mask of a batch whose titles name `targets` (prototype indices):
/// [targets.len() x prototypes.len()], row-major. 0 for an ordinary candidate,
/// ln(hard_weight) for a hard negative of the target, [`NOT_A_CANDIDATE`] for another
/// taxonomy's prototype.
pub fn candidate_mask(prototypes: &[Prototype], targets: &[usize], hard_weight: f32) -> Vec<f32> {
    let mut mask = Vec::with_capacity(targets.len() * prototypes.len());
    for &t in targets {
        let target = &prototypes[t];
        let start = mask.len();
        mask.extend(prototypes.iter().map(|p| if p.taxonomy == target.taxonomy { 0.0 } else { NOT_A_CANDIDATE }));
        for &h in &target.hard_negatives {
            mask[start + h] = hard_weight.ln();
        }
    }
    mask
}

/// Cross-entropy of each title (`queries`, base embeddings [B, d]) against the projected
/// `prototypes` (base [P, d]), the truth being `targets`, logits scaled by 1/temperature
/// plus `mask` ([`candidate_mask`]).
pub fn prototype_loss(
    queries: &Tensor,
    prototypes: &Tensor,
    targets: &[usize],
    mask: &[f32],
    (weight, bias): (&Tensor, &Tensor),
    temperature: f64,
) -> Result<Tensor> {
    let q = project(queries, weight, bias)?;
    let p = project(prototypes, weight, bias)?;
    let mask = Tensor::from_slice(mask, (targets.len(), prototypes.dim(0)?), &Device::Cpu)?;
    let logits = ((q.matmul(&p.t()?)? / temperature)? + mask)?;
    let targets = Tensor::new(targets.iter().map(|&t| t as u32).collect::<Vec<_>>(), &Device::Cpu)?;
    Ok(candle_nn::loss::cross_entropy(&logits, &targets)?)
}

/// InfoNCE of title pairs of one group each (ONS unit groups), in-batch negatives: the
/// batch must hold one pair per group.
pub fn pair_loss(first: &Tensor, second: &Tensor, (weight, bias): (&Tensor, &Tensor), temperature: f64) -> Result<Tensor> {
    info_nce(&project(first, weight, bias)?, &project(second, weight, bias)?, None, temperature, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::title_encoder::fold::Taxonomy;
    use crate::training::projection_training::projection_vars;
    use candle_nn::VarMap;

    fn prototype(taxonomy: Taxonomy, hard: &[usize]) -> Prototype {
        Prototype { key: String::new(), taxonomy, texts: vec!["x".into()], hard_negatives: hard.to_vec() }
    }

    #[test]
    fn the_mask_keeps_the_taxonomy_and_weighs_up_hard_negatives() {
        let prototypes = [prototype(Taxonomy::Onet, &[1]), prototype(Taxonomy::Onet, &[]), prototype(Taxonomy::Esco, &[])];
        let mask = candidate_mask(&prototypes, &[0, 2], 4.0);
        assert_eq!(mask, vec![0.0, 4f32.ln(), NOT_A_CANDIDATE, NOT_A_CANDIDATE, NOT_A_CANDIDATE, 0.0]);
    }

    /// With the identity projection, a title nearer a wrong prototype costs more, a
    /// masked-out prototype costs nothing, and a weighed-up hard negative costs more.
    #[test]
    fn the_loss_follows_the_mask() {
        let vars = VarMap::new();
        let (w, b) = projection_vars(&vars, 2).unwrap();
        let prototypes = Tensor::new(&[[1.0f32, 0.0], [0.0, 1.0]], &Device::Cpu).unwrap();
        let query = Tensor::new(&[[0.8f32, 0.6]], &Device::Cpu).unwrap();
        let loss = |target: usize, mask: &[f32]| {
            prototype_loss(&query, &prototypes, &[target], mask, (&w, &b), 0.1).unwrap().to_scalar::<f32>().unwrap()
        };
        assert!(loss(1, &[0.0, 0.0]) > loss(0, &[0.0, 0.0]));
        assert!(loss(1, &[NOT_A_CANDIDATE, 0.0]) < 1e-4);
        assert!(loss(0, &[0.0, 3f32.ln()]) > loss(0, &[0.0, 0.0]));
    }
}
