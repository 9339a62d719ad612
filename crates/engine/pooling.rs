//! Sentence embeddings from token states: mean pooling over real tokens, then L2 norm,
//! as sentence-transformers' `Pooling(mean)` + `Normalize` modules do.

use candle_core::{DType, Result, Tensor, D};

/// Mean of `hidden` [batch, seq, hidden] over the positions where `mask` [batch, seq] is 1.
/// Padding must not count: a short text padded to a long batch would otherwise be pulled
/// towards the padding tokens' states.
pub fn masked_mean(hidden: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?; // [b, t, 1]
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // [b, h]
    // sentence-transformers clamps the count at 1e-9 so an all-padding row gives zeros, not NaN.
    let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?; // [b, 1]
    summed.broadcast_div(&counts)
}

/// Rows of `x` [batch, dim] scaled to unit L2 norm (torch.nn.functional.normalize, eps 1e-12).
pub fn l2_normalize(x: &Tensor) -> Result<Tensor> {
    let norms = x.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
    x.broadcast_div(&norms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn mean_ignores_padded_positions() {
        // One row: two real tokens [1,2] and [3,4], one padded token [100,100].
        let hidden = Tensor::new(&[[[1f32, 2.], [3., 4.], [100., 100.]]], &Device::Cpu).unwrap();
        let mask = Tensor::new(&[[1f32, 1., 0.]], &Device::Cpu).unwrap();
        let pooled = masked_mean(&hidden, &mask).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(pooled, vec![vec![2.0, 3.0]]);
    }

    #[test]
    fn all_padding_row_pools_to_zero_not_nan() {
        let hidden = Tensor::new(&[[[5f32, 5.]]], &Device::Cpu).unwrap();
        let mask = Tensor::new(&[[0f32]], &Device::Cpu).unwrap();
        let pooled = masked_mean(&hidden, &mask).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(pooled, vec![vec![0.0, 0.0]]);
    }

    #[test]
    fn normalized_rows_have_unit_length() {
        let x = Tensor::new(&[[3f32, 4.], [0., 2.]], &Device::Cpu).unwrap();
        let y = l2_normalize(&x).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(y, vec![vec![0.6, 0.8], vec![0.0, 1.0]]);
    }

    #[test]
    fn zero_row_stays_zero() {
        let x = Tensor::new(&[[0f32, 0.]], &Device::Cpu).unwrap();
        assert_eq!(l2_normalize(&x).unwrap().to_vec2::<f32>().unwrap(), vec![vec![0.0, 0.0]]);
    }
}
