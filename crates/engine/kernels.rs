//! Fused CPU kernels for the forward pass of a frozen BERT (inference only, no gradient):
//! self-attention over a fused Q/K/V projection, and bias + GELU.
//!
//! Why (README, "Speed facts"; perf over encode_bench): candle runs attention as a dozen ops
//! that each allocate and walk a tensor (three head splits, a batched matmul per head that
//! starts the matmul threads for a 64 x 32 x 64 product, scale, mask, softmax, matmul, a
//! transpose back), and its GELU and softmax call scalar erf/exp (15 % of a profile). Here
//! each (text, head) is one task on the matmul threads' rayon pool: scores, masked softmax and
//! the weighted sum of values in one pass, written straight into the [batch, seq, hidden]
//! layout the output projection reads; erf and exp are polynomials the compiler vectorises.
//! The training path keeps candle's ops (it needs their gradients).

use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// Self-attention of `qkv` [batch, seq, 3 * hidden] (the Q, K and V projections side by
/// side, biases included) under the additive mask `mask_bias` [batch, seq] (0 for a token,
/// -10000 for padding): softmax(Q K^T / sqrt(head_dim) + mask) V per head, returned as
/// [batch, seq, hidden] with the heads side by side, as BERT's output projection takes it.
pub fn attention(qkv: &Tensor, mask_bias: &Tensor, num_heads: usize) -> Result<Tensor> {
    qkv.contiguous()?.apply_op2_no_bwd(&mask_bias.contiguous()?, &Attention { num_heads })
}

/// GELU (the exact erf form BERT uses) of `x + bias`, `bias` broadcast over the last dimension.
pub fn bias_gelu(x: &Tensor, bias: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op2_no_bwd(bias, &BiasGelu)
}

struct Attention {
    num_heads: usize,
}

/// A pointer the tasks of one call share; each task writes only its own (text, head) block.
#[derive(Clone, Copy)]
pub(crate) struct SharedOut(pub(crate) *mut f32);
// SAFETY: tasks write disjoint elements (see `Attention::cpu_fwd`) and the buffer outlives them.
unsafe impl Send for SharedOut {}
unsafe impl Sync for SharedOut {}

impl SharedOut {
    /// Through a method, so that a closure captures the whole `SharedOut` (Sync), not its field.
    pub(crate) fn ptr(self) -> *mut f32 {
        self.0
    }
}

fn f32_slice<'a>(storage: &'a CpuStorage, layout: &Layout) -> Result<&'a [f32]> {
    let (start, end) =
        layout.contiguous_offsets().ok_or_else(|| candle_core::Error::Msg("kernel input not contiguous".into()))?;
    Ok(&storage.as_slice::<f32>()?[start..end])
}

/// Runs `task(i)` for i in 0..n: on the rayon pool when candle's matmuls use more than one
/// thread, else on the calling thread (a one-thread pool would only add a hand-off).
pub(crate) fn for_each_task(n: usize, task: impl Fn(usize) + Sync + Send) {
    if inference_tasks() > 1 {
        (0..n).into_par_iter().for_each(task);
    } else {
        (0..n).for_each(task);
    }
}

/// How many tasks to split one product into: one per inference thread (`threads`).
pub(crate) fn inference_tasks() -> usize {
    if candle_core::utils::get_num_threads() > 1 {
        rayon::current_num_threads()
    } else {
        1
    }
}

impl CustomOp2 for Attention {
    fn name(&self) -> &'static str {
        "resonance-attention"
    }

    fn cpu_fwd(&self, qkv: &CpuStorage, qkv_l: &Layout, mask: &CpuStorage, mask_l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (batch, seq, width) = qkv_l.shape().dims3()?;
        let hidden = width / 3;
        let head_dim = hidden / self.num_heads;
        if width != 3 * hidden || hidden != head_dim * self.num_heads || mask_l.shape().dims2()? != (batch, seq) {
            candle_core::bail!("attention: qkv {:?} and mask {:?} do not fit {} heads", qkv_l.shape(), mask_l.shape(), self.num_heads);
        }
        let qkv = f32_slice(qkv, qkv_l)?;
        let mask = f32_slice(mask, mask_l)?;
        let mut out = vec![0f32; batch * seq * hidden];
        let out_ptr = SharedOut(out.as_mut_ptr());
        let scale = 1.0 / (head_dim as f32).sqrt();
        for_each_task(batch * self.num_heads, |task| {
            let (text, head) = (task / self.num_heads, task % self.num_heads);
            let rows = &qkv[text * seq * width..(text + 1) * seq * width];
            let (q, k, v) = (&rows[head * head_dim..], &rows[hidden + head * head_dim..], &rows[2 * hidden + head * head_dim..]);
            let mut scores = vec![0f32; seq * seq];
            // SAFETY: every pointer and stride stays inside `rows` ([seq, 3 * hidden]) or
            // `scores` ([seq, seq]); the product's output is this task's own `scores`.
            unsafe {
                // scores = scale * Q K^T: Q [seq, head_dim] rows `width` apart, K^T read from K's rows.
                gemm::gemm(seq, seq, head_dim, scores.as_mut_ptr(), 1, seq as isize, false,
                           q.as_ptr(), 1, width as isize, k.as_ptr(), width as isize, 1,
                           0.0, scale, false, false, false, gemm::Parallelism::None);
            }
            let mask_row = &mask[text * seq..(text + 1) * seq];
            for row in scores.chunks_exact_mut(seq) {
                masked_softmax(row, mask_row);
            }
            // SAFETY: the output block of (text, head) is rows text*seq.. of `out`, columns
            // head*head_dim.. (head_dim wide): no two tasks share an element, and `out` lives
            // until every task has returned.
            unsafe {
                let dst = out_ptr.ptr().add(text * seq * hidden + head * head_dim);
                gemm::gemm(seq, head_dim, seq, dst, 1, hidden as isize, false,
                           scores.as_ptr(), 1, seq as isize, v.as_ptr(), 1, width as isize,
                           0.0, 1.0, false, false, false, gemm::Parallelism::None);
            }
        });
        Ok((CpuStorage::F32(out), Shape::from((batch, seq, hidden))))
    }
}

struct BiasGelu;

impl CustomOp2 for BiasGelu {
    fn name(&self) -> &'static str {
        "resonance-bias-gelu"
    }

    fn cpu_fwd(&self, x: &CpuStorage, x_l: &Layout, bias: &CpuStorage, bias_l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = f32_slice(x, x_l)?;
        let bias = f32_slice(bias, bias_l)?;
        let width = bias.len();
        if width == 0 || x_l.shape().dims().last() != Some(&width) {
            candle_core::bail!("bias_gelu: bias {:?} does not fit {:?}", bias_l.shape(), x_l.shape());
        }
        let mut out = vec![0f32; x.len()];
        // Blocks of rows big enough to pay for a task (64 rows of 1,536: 390 kB).
        let rows_per_task = 64;
        let task = |(block, dst): (usize, &mut [f32])| {
            let src = &x[block * rows_per_task * width..][..dst.len()];
            bias_gelu_rows(src, bias, dst);
        };
        if inference_tasks() > 1 {
            out.par_chunks_mut(rows_per_task * width).enumerate().for_each(task);
        } else {
            out.chunks_mut(rows_per_task * width).enumerate().for_each(task);
        }
        Ok((CpuStorage::F32(out), x_l.shape().clone()))
    }
}

// The element-wise loops below are written so the compiler vectorises them; they are compiled
// twice, for AVX2+FMA (chosen at run time when the CPU has it) and for the baseline target.

/// One row of attention scores: adds the mask and replaces the row by its softmax.
fn masked_softmax(row: &mut [f32], mask: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has the features the function is compiled for (checked above).
        return unsafe { masked_softmax_avx2(row, mask) };
    }
    masked_softmax_body(row, mask)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn masked_softmax_avx2(row: &mut [f32], mask: &[f32]) {
    masked_softmax_body(row, mask)
}

/// Lanes of the partial maxima and sums: 16 f32, two AVX2 registers (one AVX-512).
const LANES: usize = 16;

#[inline(always)]
fn masked_softmax_body(row: &mut [f32], mask: &[f32]) {
    for (s, m) in row.iter_mut().zip(mask) {
        *s += m;
    }
    let mut lanes = [f32::MIN; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (l, &s) in lanes.iter_mut().zip(chunk) {
            *l = if s > *l { s } else { *l };
        }
    }
    let max = chunks.remainder().iter().chain(&lanes).fold(f32::MIN, |a, &b| if b > a { b } else { a });
    let mut sums = [0f32; LANES];
    let mut chunks = row.chunks_exact_mut(LANES);
    for chunk in &mut chunks {
        for (acc, s) in sums.iter_mut().zip(chunk.iter_mut()) {
            *s = exp(*s - max);
            *acc += *s;
        }
    }
    let mut sum: f32 = sums.iter().sum();
    for s in chunks.into_remainder() {
        *s = exp(*s - max);
        sum += *s;
    }
    let inv = 1.0 / sum;
    for s in row.iter_mut() {
        *s *= inv;
    }
}

fn bias_gelu_rows(src: &[f32], bias: &[f32], dst: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has the features the function is compiled for (checked above).
        return unsafe { bias_gelu_rows_avx2(src, bias, dst) };
    }
    bias_gelu_rows_body(src, bias, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn bias_gelu_rows_avx2(src: &[f32], bias: &[f32], dst: &mut [f32]) {
    bias_gelu_rows_body(src, bias, dst)
}

#[inline(always)]
fn bias_gelu_rows_body(src: &[f32], bias: &[f32], dst: &mut [f32]) {
    for (src, dst) in src.chunks_exact(bias.len()).zip(dst.chunks_exact_mut(bias.len())) {
        for ((d, &x), &b) in dst.iter_mut().zip(src).zip(bias) {
            *d = gelu(x + b);
        }
    }
}

/// GELU in place; inlined into its caller so that it is vectorised for the caller's target
/// features (`bf16_linear`'s AVX-512 epilogue).
#[inline(always)]
pub(crate) fn gelu_in_place(values: &mut [f32]) {
    for v in values {
        *v = gelu(*v);
    }
}

/// GELU, 0.5 x (1 + erf(x / sqrt 2)).
#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// erf by Abramowitz and Stegun 7.1.26: absolute error below 1.5e-7 in exact arithmetic,
/// 5e-7 in f32 (libm's erff, which candle calls, is within an ulp); embeddings move by
/// about 2e-7 (scripts/bench_onnx.sh compares them with ONNX Runtime's).
#[inline(always)]
fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t * (0.254_829_6 + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * exp(-a * a);
    f32::from_bits(y.to_bits() | (x.to_bits() & 0x8000_0000))
}

/// exp for the softmax and erf: Cody-Waite reduction to 2^n e^r, |r| <= ln 2 / 2, and the
/// degree-6 polynomial of Cephes' expf (relative error about 1e-7). Inputs below -87.3
/// (masked scores, far tails) give 0, as the true value does in f32 up to denormals.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer with no rounding call.
    const ROUND: f32 = 12_582_912.0;
    let clamped = x.clamp(-87.3, 88.7);
    let n = (clamped * LOG2E + ROUND) - ROUND;
    let r = clamped - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r + 1.666_666_5e-1) * r
        + 5.000_000_1e-1;
    let e = p * r * r + r + 1.0;
    let scaled = e * f32::from_bits(((n as i32 + 127) << 23) as u32);
    if x < -87.3 {
        0.0
    } else {
        scaled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, D};

    #[test]
    fn exp_and_gelu_match_libm() {
        let xs: Vec<f32> = (-2000..=2000).map(|i| i as f32 * 0.005).collect();
        let candle_gelu = Tensor::new(xs.as_slice(), &Device::Cpu).unwrap().gelu_erf().unwrap().to_vec1::<f32>().unwrap();
        for (&x, &want) in xs.iter().zip(&candle_gelu) {
            assert!((exp(x * 2.0) - (x * 2.0).exp()).abs() <= 2e-7 * (x * 2.0).exp(), "exp({})", x * 2.0);
            assert!((gelu(x) - want).abs() <= 1e-6 * x.abs().max(1.0), "gelu({x}) = {}, candle {want}", gelu(x));
        }
        assert_eq!(exp(-100.0), 0.0);
        assert_eq!(exp(-10000.0), 0.0);
    }

    /// candle's ops, as bert.rs ran attention before these kernels.
    fn reference_attention(qkv: &Tensor, mask_bias: &Tensor, heads: usize) -> Tensor {
        let (b, t, w) = qkv.dims3().unwrap();
        let h = w / 3;
        let split = |i: usize| {
            qkv.narrow(2, i * h, h).unwrap().reshape((b, t, heads, h / heads)).unwrap().transpose(1, 2).unwrap().contiguous().unwrap()
        };
        let (q, k, v) = (split(0), split(1), split(2));
        let scores = (q.matmul(&k.t().unwrap()).unwrap() / ((h / heads) as f64).sqrt()).unwrap();
        let scores = scores.broadcast_add(&mask_bias.reshape((b, 1, 1, t)).unwrap()).unwrap();
        let probs = candle_nn::ops::softmax_last_dim(&scores).unwrap();
        probs.matmul(&v).unwrap().transpose(1, 2).unwrap().reshape((b, t, h)).unwrap()
    }

    fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        (a - b).unwrap().abs().unwrap().flatten_all().unwrap().max(D::Minus1).unwrap().to_scalar::<f32>().unwrap()
    }

    #[test]
    fn attention_matches_candle_ops_with_padding() {
        let dev = Device::Cpu;
        for (b, t, heads, head_dim) in [(2, 5, 3, 4), (3, 37, 12, 32), (1, 1, 2, 8)] {
            let qkv = Tensor::randn(0f32, 1.0, (b, t, 3 * heads * head_dim), &dev).unwrap();
            // Text i has t - i real tokens.
            let mask: Vec<f32> = (0..b).flat_map(|i| (0..t).map(move |j| if j < t - i.min(t - 1) { 0.0 } else { -10000.0 })).collect();
            let mask = Tensor::from_vec(mask, (b, t), &dev).unwrap();
            let got = attention(&qkv, &mask, heads).unwrap();
            let want = reference_attention(&qkv, &mask, heads);
            assert!(max_diff(&got, &want) < 1e-5, "({b}, {t}, {heads}, {head_dim}): {}", max_diff(&got, &want));
        }
    }

    #[test]
    fn bias_gelu_matches_candle_ops() {
        let dev = Device::Cpu;
        let x = (Tensor::randn(0f32, 1.0, (3, 70, 40), &dev).unwrap() * 4.0).unwrap();
        let bias = Tensor::randn(0f32, 1.0, 40, &dev).unwrap();
        let want = x.broadcast_add(&bias).unwrap().gelu_erf().unwrap();
        assert!(max_diff(&bias_gelu(&x, &bias).unwrap(), &want) < 2e-6);
    }
}
