//! Training losses: InfoNCE for the bi-encoder, binary cross-entropy for the cross-encoder.

use candle_core::{DType, Tensor, D};

use resonance_engine::error::{EngineError, Result};
use resonance_engine::pooling::l2_normalize;

/// InfoNCE temperature. 0.07 is the value of InfoNCE's best-known uses (Wu et al. 2018's
/// instance discrimination, MoCo, CLIP's initial value); sentence-transformers' scale of
/// 20 (temperature 0.05) is in the same range.
pub const DEFAULT_TEMPERATURE: f64 = 0.07;

/// InfoNCE over cosine similarities: for each query, -log softmax of its positive among
/// its candidates, averaged over the batch.
///
/// `queries`, `positives`: [batch, dim]; `negatives`: [batch, k, dim] hard negatives, or
/// None. With `in_batch_negatives`, every query's candidates are all positives and all
/// hard negatives of the batch (MultipleNegativesRankingLoss); without, only its own
/// positive and its own k negatives. Rows need not be normalised.
pub fn info_nce(
    queries: &Tensor,
    positives: &Tensor,
    negatives: Option<&Tensor>,
    temperature: f64,
    in_batch_negatives: bool,
) -> Result<Tensor> {
    let (batch, dim) = queries.dims2()?;
    if positives.dims() != [batch, dim] {
        return Err(EngineError::InvalidInput(format!(
            "InfoNCE: positives have shape {:?}, queries {:?}",
            positives.dims(),
            queries.dims()
        )));
    }
    if temperature <= 0.0 || !temperature.is_finite() {
        return Err(EngineError::InvalidInput(format!("InfoNCE: temperature must be positive, got {temperature}")));
    }
    let negatives = negatives.map(|n| check_negatives(n, batch, dim)).transpose()?;
    if negatives.is_none() && !in_batch_negatives {
        return Err(EngineError::InvalidInput(
            "InfoNCE without negatives: pass hard negatives or use in-batch negatives".into(),
        ));
    }
    let q = l2_normalize(queries)?;
    let p = l2_normalize(positives)?;
    let (logits, targets) = if in_batch_negatives {
        // Candidates: the batch's positives (query i's is column i), then all negatives.
        let candidates = match &negatives {
            Some(n) => Tensor::cat(&[&p, &l2_normalize(&n.reshape(((), dim))?)?], 0)?,
            None => p,
        };
        (q.matmul(&candidates.t()?)?, Tensor::arange(0u32, batch as u32, q.device())?)
    } else {
        // Candidates: its own positive (column 0), then its own k negatives.
        let n = negatives.expect("checked above");
        let k = n.dim(1)?;
        let n = l2_normalize(&n.reshape(((), dim))?)?.reshape((batch, k, dim))?;
        let positive = (&q * &p)?.sum_keepdim(D::Minus1)?;
        let negative = n.matmul(&q.unsqueeze(2)?)?.squeeze(2)?;
        (Tensor::cat(&[&positive, &negative], 1)?, Tensor::zeros(batch, DType::U32, q.device())?)
    };
    Ok(candle_nn::loss::cross_entropy(&(logits / temperature)?, &targets)?)
}

/// `negatives` if it is [batch, k >= 1, dim], else an error naming the shapes.
fn check_negatives(negatives: &Tensor, batch: usize, dim: usize) -> Result<&Tensor> {
    match negatives.dims() {
        [b, k, d] if *b == batch && *d == dim && *k > 0 => Ok(negatives),
        dims => Err(EngineError::InvalidInput(format!(
            "InfoNCE: negatives have shape {dims:?}, expected [{batch}, k >= 1, {dim}]"
        ))),
    }
}

/// Mean binary cross-entropy of `logits` [batch] against `targets` [batch] in [0, 1],
/// in the overflow-free form max(x, 0) - x y + ln(1 + e^-|x|), which equals
/// -(y ln s(x) + (1 - y) ln(1 - s(x))) for the sigmoid s. (candle's
/// `binary_cross_entropy_with_logit` takes ln of the sigmoid and gives inf at |x| > 17.)
pub fn binary_cross_entropy(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
    if logits.rank() != 1 || logits.dims() != targets.dims() || logits.dim(0)? == 0 {
        return Err(EngineError::InvalidInput(format!(
            "binary cross-entropy: logits {:?} and targets {:?} must be the same non-empty [batch]",
            logits.dims(),
            targets.dims()
        )));
    }
    let targets = targets.to_dtype(DType::F32)?;
    if targets.to_vec1::<f32>()?.iter().any(|y| !(0.0..=1.0).contains(y)) {
        return Err(EngineError::InvalidInput("binary cross-entropy: targets must lie in [0, 1]".into()));
    }
    let softplus_neg_abs = (logits.abs()?.neg()?.exp()? + 1.0)?.log()?;
    let loss = ((logits.relu()? - (logits * &targets)?)? + softplus_neg_abs)?;
    Ok(loss.mean_all()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    fn t2(rows: &[&[f32]]) -> Tensor {
        Tensor::new(rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>(), &Device::Cpu).unwrap()
    }

    fn scalar(t: &Tensor) -> f64 {
        t.to_scalar::<f32>().unwrap() as f64
    }

    /// -ln(e^a / sum e^c): cross-entropy of the first logit among `logits`, by hand.
    fn ce_first(logits: &[f64]) -> f64 {
        -(logits[0].exp() / logits.iter().map(|x| x.exp()).sum::<f64>()).ln()
    }

    #[test]
    fn info_nce_with_own_negatives() {
        // q = (1,0), positive (1,0): cos 1; negative (0,1): cos 0.
        let q = t2(&[&[1., 0.]]);
        let p = t2(&[&[1., 0.]]);
        let n = Tensor::new(&[[[0f32, 1.]]], &Device::Cpu).unwrap();
        let at_1 = scalar(&info_nce(&q, &p, Some(&n), 1.0, false).unwrap());
        assert!((at_1 - ce_first(&[1.0, 0.0])).abs() < 1e-6, "{at_1}"); // ln(1 + e^-1) = 0.3133
                                                                        // Temperature 0.5 doubles the logits: ln(1 + e^-2) = 0.1269.
        let at_half = scalar(&info_nce(&q, &p, Some(&n), 0.5, false).unwrap());
        assert!((at_half - ce_first(&[2.0, 0.0])).abs() < 1e-6, "{at_half}");
    }

    #[test]
    fn info_nce_with_in_batch_negatives() {
        // Positives (1,0) and (0.6,0.8). Query 0 = (1,0): cos 1 to its own, 0.6 to the other.
        // Query 1 = (0,1): cos 0.8 to its own, 0 to the other.
        let q = t2(&[&[1., 0.], &[0., 1.]]);
        let p = t2(&[&[1., 0.], &[0.6, 0.8]]);
        let loss = scalar(&info_nce(&q, &p, None, 1.0, true).unwrap());
        let expected = (ce_first(&[1.0, 0.6]) + ce_first(&[0.8, 0.0])) / 2.0;
        assert!((loss - expected).abs() < 1e-6, "{loss} vs {expected}");
    }

    #[test]
    fn info_nce_in_batch_also_uses_every_hard_negative() {
        // One hard negative each: (0,1) for query 0, (1,0) for query 1.
        let q = t2(&[&[1., 0.], &[0., 1.]]);
        let p = t2(&[&[1., 0.], &[0.6, 0.8]]);
        let n = Tensor::new(&[[[0f32, 1.]], [[1f32, 0.]]], &Device::Cpu).unwrap();
        let loss = scalar(&info_nce(&q, &p, Some(&n), 1.0, true).unwrap());
        // Query 0 candidates: p0 1, p1 0.6, n0 0, n1 1. Query 1: p1 0.8, p0 0, n0 1, n1 0.
        let expected = (ce_first(&[1.0, 0.6, 0.0, 1.0]) + ce_first(&[0.8, 0.0, 1.0, 0.0])) / 2.0;
        assert!((loss - expected).abs() < 1e-6, "{loss} vs {expected}");
    }

    #[test]
    fn info_nce_normalises_its_inputs() {
        let n = Tensor::new(&[[[0f32, 2.]]], &Device::Cpu).unwrap();
        let a = scalar(&info_nce(&t2(&[&[3., 0.]]), &t2(&[&[0.5, 0.]]), Some(&n), 1.0, false).unwrap());
        assert!((a - ce_first(&[1.0, 0.0])).abs() < 1e-6);
    }

    #[test]
    fn info_nce_rejects_bad_input() {
        let q = t2(&[&[1., 0.]]);
        assert!(info_nce(&q, &t2(&[&[1., 0., 0.]]), None, 1.0, true).is_err());
        assert!(info_nce(&q, &q, None, 1.0, false).is_err(), "no negatives at all");
        assert!(info_nce(&q, &q, None, 0.0, true).is_err());
        let wrong = Tensor::zeros((2, 1, 2), DType::F32, &Device::Cpu).unwrap();
        assert!(info_nce(&q, &q, Some(&wrong), 1.0, false).is_err());
    }

    #[test]
    fn bce_matches_the_textbook_formula() {
        let logits = Tensor::new(&[0f32, 2., -1.], &Device::Cpu).unwrap();
        let targets = Tensor::new(&[1f32, 0., 1.], &Device::Cpu).unwrap();
        let s = |x: f64| 1.0 / (1.0 + (-x).exp());
        // -ln s(0) = ln 2; -ln(1 - s(2)); -ln s(-1).
        let expected = (-(s(0.0)).ln() - (1.0 - s(2.0)).ln() - s(-1.0).ln()) / 3.0; // 1.3778
        let loss = scalar(&binary_cross_entropy(&logits, &targets).unwrap());
        assert!((loss - expected).abs() < 1e-6, "{loss} vs {expected}");
    }

    #[test]
    fn bce_stays_finite_for_large_logits_and_has_the_textbook_gradient() {
        let x = Var::new(&[40f32, -40., 0.5], &Device::Cpu).unwrap();
        let y = Tensor::new(&[0f32, 1., 1.], &Device::Cpu).unwrap();
        let loss = binary_cross_entropy(x.as_tensor(), &y).unwrap();
        assert!((scalar(&loss) - (40.0 + 40.0 + (1.0 + (-0.5f64).exp()).ln()) / 3.0).abs() < 1e-4);
        // d loss / d x_i = (s(x_i) - y_i) / batch.
        let grad = loss.backward().unwrap().get(&x).unwrap().to_vec1::<f32>().unwrap();
        let s = |x: f64| 1.0 / (1.0 + (-x).exp());
        let expected = [(1.0) / 3.0, (-1.0) / 3.0, (s(0.5) - 1.0) / 3.0];
        for (g, e) in grad.iter().zip(expected) {
            assert!((*g as f64 - e).abs() < 1e-5, "{grad:?}");
        }
    }

    #[test]
    fn bce_rejects_bad_input() {
        let x = Tensor::new(&[0f32, 1.], &Device::Cpu).unwrap();
        assert!(binary_cross_entropy(&x, &Tensor::new(&[0f32], &Device::Cpu).unwrap()).is_err());
        assert!(binary_cross_entropy(&x, &Tensor::new(&[0f32, 1.5], &Device::Cpu).unwrap()).is_err());
        let empty = Tensor::zeros(0, DType::F32, &Device::Cpu).unwrap();
        assert!(binary_cross_entropy(&empty, &empty).is_err());
    }
}
