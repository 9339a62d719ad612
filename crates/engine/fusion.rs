//! Score fusion: final = w_ce * ce + w_bi * bi + w_sg * sg, with the weights of the stages
//! that ran renormalised to sum to 1.

use super::error::{EngineError, NonFiniteStage, Result};

/// Weights of the three stages. Defaults are the seed's 0.5 / 0.3 / 0.2.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FusionWeights {
    pub cross_encoder: f32,
    pub bi_encoder: f32,
    pub skill_graph: f32,
}

impl Default for FusionWeights {
    fn default() -> Self {
        Self { cross_encoder: 0.5, bi_encoder: 0.3, skill_graph: 0.2 }
    }
}

impl FusionWeights {
    /// Rejects negative or non-finite weights and an all-zero set.
    pub fn validated(self) -> Result<Self> {
        let all = [self.cross_encoder, self.bi_encoder, self.skill_graph];
        if all.iter().any(|w| !w.is_finite() || *w < 0.0) {
            let FusionWeights { cross_encoder, bi_encoder, skill_graph } = self;
            return Err(EngineError::InvalidInput(format!(
                "weights must be finite and >= 0, got cross_encoder {cross_encoder}, bi_encoder {bi_encoder}, skill_graph {skill_graph}"
            )));
        }
        if all.iter().sum::<f32>() <= 0.0 {
            return Err(EngineError::InvalidInput("at least one weight must be positive".into()));
        }
        Ok(self)
    }
}

/// The scores one candidate got; None for a stage that did not run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageScores {
    pub cross_encoder: Option<f32>,
    pub bi_encoder: Option<f32>,
    pub skill_graph: Option<f32>,
}

/// Names of the stages, as errors name them (`NonFiniteStage`).
pub const CROSS_ENCODER_STAGE: &str = "cross-encoder";
pub const BI_ENCODER_STAGE: &str = "bi-encoder";
pub const SKILL_GRAPH_STAGE: &str = "skill graph";

impl StageScores {
    /// The stages that gave a score that is not a finite number.
    pub fn non_finite(&self) -> Vec<NonFiniteStage> {
        [
            (CROSS_ENCODER_STAGE, self.cross_encoder),
            (BI_ENCODER_STAGE, self.bi_encoder),
            (SKILL_GRAPH_STAGE, self.skill_graph),
        ]
        .into_iter()
        .filter_map(|(stage, s)| s.filter(|v| !v.is_finite()).map(|value| NonFiniteStage { stage, value, model: None }))
        .collect()
    }
}

/// The fused score, or an error naming the stages that made it not finite (weights are
/// finite: `FusionWeights::validated`).
pub fn fuse_finite(scores: StageScores, weights: FusionWeights) -> Result<f32> {
    let fused = fuse(scores, weights);
    if fused.is_finite() {
        Ok(fused)
    } else {
        Err(EngineError::NonFiniteScore(scores.non_finite()))
    }
}

/// Weighted mean over the stages that ran; 0 when none did or all their weights are 0.
pub fn fuse(scores: StageScores, weights: FusionWeights) -> f32 {
    let parts = [
        (scores.cross_encoder, weights.cross_encoder),
        (scores.bi_encoder, weights.bi_encoder),
        (scores.skill_graph, weights.skill_graph),
    ];
    let (sum, total) = parts
        .iter()
        .filter_map(|&(s, w)| s.map(|s| (s * w, w)))
        .fold((0.0, 0.0), |(a, b), (sw, w)| (a + sw, b + w));
    if total > 0.0 {
        sum / total
    } else {
        0.0
    }
}

/// Cosine similarity as a [0, 1] score. Clamped rather than mapped by (c + 1) / 2: MiniLM
/// cosines between real texts are almost never negative, and the mapping would halve the
/// bi-encoder's spread against the other two [0, 1] scores.
pub fn similarity_score(cosine: f32) -> f32 {
    cosine.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_stages_use_the_default_weights() {
        let s = StageScores { cross_encoder: Some(1.0), bi_encoder: Some(0.5), skill_graph: Some(0.0) };
        assert!((fuse(s, FusionWeights::default()) - 0.65).abs() < 1e-6);
    }

    #[test]
    fn a_stage_that_did_not_run_is_renormalised_away() {
        let s = StageScores { cross_encoder: None, bi_encoder: Some(0.5), skill_graph: Some(1.0) };
        // (0.3 * 0.5 + 0.2 * 1.0) / 0.5
        assert!((fuse(s, FusionWeights::default()) - 0.7).abs() < 1e-6);
    }

    #[test]
    fn nothing_ran_scores_zero() {
        assert_eq!(fuse(StageScores::default(), FusionWeights::default()), 0.0);
    }

    #[test]
    fn bad_weights_are_refused() {
        assert!(FusionWeights { cross_encoder: -1.0, ..Default::default() }.validated().is_err());
        assert!(FusionWeights { cross_encoder: f32::NAN, ..Default::default() }.validated().is_err());
        assert!(FusionWeights { cross_encoder: 0.0, bi_encoder: 0.0, skill_graph: 0.0 }.validated().is_err());
        assert!(FusionWeights::default().validated().is_ok());
    }

    #[test]
    fn a_stage_that_is_not_finite_is_an_error_naming_it() {
        let s = StageScores { cross_encoder: Some(f32::NAN), bi_encoder: Some(0.5), skill_graph: Some(f32::INFINITY) };
        match fuse_finite(s, FusionWeights::default()) {
            Err(EngineError::NonFiniteScore(stages)) => {
                let named: Vec<&str> = stages.iter().map(|s| s.stage).collect();
                assert_eq!(named, [CROSS_ENCODER_STAGE, SKILL_GRAPH_STAGE]);
            }
            other => panic!("expected NonFiniteScore, got {other:?}"),
        }
        let fine = StageScores { cross_encoder: Some(1.0), bi_encoder: Some(0.5), skill_graph: Some(0.0) };
        assert!((fuse_finite(fine, FusionWeights::default()).unwrap() - 0.65).abs() < 1e-6);
        // A NaN in a stage whose weight is 0 still poisons the mean: 0 * NaN is NaN.
        let weights = FusionWeights { cross_encoder: 0.0, ..Default::default() };
        assert!(fuse_finite(StageScores { cross_encoder: Some(f32::NAN), ..fine }, weights).is_err());
    }

    #[test]
    fn similarity_stays_in_unit_interval() {
        assert_eq!(similarity_score(1.2), 1.0);
        assert_eq!(similarity_score(-0.1), 0.0);
        assert_eq!(similarity_score(0.42), 0.42);
    }
}
