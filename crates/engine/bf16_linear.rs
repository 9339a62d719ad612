//! Linear layers of frozen models as AVX-512 BF16 matrix products: y = x W^T + b, with the
//! products in bf16 and the sums in f32.
//!
//! Why (README, "Speed facts"): the Linear layers are about 70 % of a forward pass, and on
//! CPUs with AVX-512 BF16 (the project's AMD EPYC VMs) `vdpbf16ps` does 32 multiply-adds per
//! instruction, about twice what the f32 gemm candle calls reaches on MiniLM's shapes
//! (measured outside the engine first: branch `bf16-experiment`). Weights are rounded to
//! bf16 and packed once, when a serving model is loaded (in the postmaster too, before fork,
//! so backends share the packed pages); the f32 copies are dropped, so a packed model holds
//! its Linear weights in half the memory. Activations are rounded to bf16 on each call.
//!
//! Layout: panels of [`PANEL`] output columns. Within a panel, for each pair of inputs p,
//! [`PANEL`] u32s, one per column, each holding bf16 W[col][2p] (low half) and W[col][2p+1]
//! (high half): the operand `vdpbf16ps` multiplies by a broadcast pair of x. The microkernel
//! keeps a tile of [`TILE_ROWS`] x [`PANEL`] sums in registers (24 of the 32 zmm).

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};

use crate::kernels::{for_each_task, inference_tasks, SharedOut};

/// How a serving model multiplies by its Linear weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatmulPrecision {
    /// f32 weights and products (candle's matmul): the only choice for training.
    F32,
    /// bf16 weights and products, f32 sums ([`Bf16Linear`]); needs AVX-512 BF16.
    Bf16,
}

impl MatmulPrecision {
    /// Bf16 when this CPU has AVX-512 BF16, else F32.
    pub fn best_available() -> Self {
        if bf16_available() {
            MatmulPrecision::Bf16
        } else {
            MatmulPrecision::F32
        }
    }

    /// `want`, when this CPU can run it.
    pub fn at_most(want: MatmulPrecision) -> Self {
        match want {
            MatmulPrecision::Bf16 => Self::best_available(),
            MatmulPrecision::F32 => MatmulPrecision::F32,
        }
    }
}

/// Whether this CPU has the instructions [`Bf16Linear`] runs on.
pub fn bf16_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Output columns per packed panel: four zmm registers of 16 f32.
const PANEL: usize = 64;
/// Rows per microkernel tile: 6 x 4 sums, 4 weight vectors and a broadcast fill 29 of 32 zmm.
const TILE_ROWS: usize = 6;
/// Rows of x walked over all panels before the next block: 48 rows of bf16 x (at most
/// 1,536 wide) stay in L2 while the panels stream past.
const ROW_BLOCK: usize = 48;
/// Below this many rows the threads split the panels (each reads all of x); from here on
/// they split the rows.
const SPLIT_ROWS_FROM: usize = 512;

/// What the kernel does to its sums before storing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Epilogue {
    None,
    /// BERT's exact (erf) GELU, applied to the tile while it is in L1.
    Gelu,
}

/// A Linear layer [out_features, in_features] packed for the BF16 kernel.
pub struct Bf16Linear {
    in_features: usize,
    out_features: usize,
    /// Input pairs: ceil(in_features / 2).
    pairs: usize,
    /// Panel after panel, each `pairs * PANEL` u32 (the module comment's layout).
    packed: Vec<u32>,
    /// The bias padded with zeros to whole panels (zeros for a layer without one): the
    /// sums start from it.
    bias: Vec<f32>,
    epilogue: Epilogue,
}

impl Bf16Linear {
    /// Packs `weight` [out, in] (PyTorch's Linear layout) and `bias` [out]. None when this CPU
    /// has no AVX-512 BF16.
    pub fn pack(weight: &Tensor, bias: Option<&Tensor>, epilogue: Epilogue) -> Result<Option<Self>> {
        if !bf16_available() {
            return Ok(None);
        }
        let (out_features, in_features) = weight.dims2()?;
        let weight = weight.to_dtype(candle_core::DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
        let pairs = in_features.div_ceil(2);
        let panels = out_features.div_ceil(PANEL);
        let mut packed = vec![0u32; panels * pairs * PANEL];
        for (col, row) in weight.chunks_exact(in_features).enumerate() {
            let panel = &mut packed[(col / PANEL) * pairs * PANEL..][..pairs * PANEL];
            for (p, pair) in row.chunks(2).enumerate() {
                let high = pair.get(1).map_or(0, |&w| bf16_bits(w));
                panel[p * PANEL + col % PANEL] = bf16_bits(pair[0]) as u32 | (high as u32) << 16;
            }
        }
        let mut padded_bias = vec![0f32; panels * PANEL];
        if let Some(bias) = bias {
            let bias = bias.to_dtype(candle_core::DType::F32)?.to_vec1::<f32>()?;
            if bias.len() != out_features {
                candle_core::bail!("bf16 linear: bias of {} for {out_features} outputs", bias.len());
            }
            padded_bias[..out_features].copy_from_slice(&bias);
        }
        Ok(Some(Self { in_features, out_features, pairs, packed, bias: padded_bias, epilogue }))
    }

    pub fn out_features(&self) -> usize {
        self.out_features
    }

    /// `x` [..., in_features] -> [..., out_features]. An `x` on a training graph is refused:
    /// the product has no backward pass, and a gradient must not stop here silently.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if x.track_op() {
            candle_core::bail!("bf16 linear: the input carries a gradient, and bf16 products have none");
        }
        x.contiguous()?.apply_op1_no_bwd(self)
    }

    fn panels(&self) -> usize {
        self.bias.len() / PANEL
    }

    /// Rows `rows` of y for panels `panels`, from x already rounded to bf16 (`x_pairs`:
    /// rows of `self.pairs` u32).
    ///
    /// # Safety
    /// The CPU has AVX-512 BF16; `x_pairs` holds every row in `rows`; `y` points to
    /// [rows, out_features] f32 of which this call writes only its own rows and panels.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bf16")]
    unsafe fn compute(&self, x_pairs: &[u32], y: *mut f32, rows: std::ops::Range<usize>, panels: std::ops::Range<usize>) {
        let mut block = rows.start;
        while block < rows.end {
            let block_end = (block + ROW_BLOCK).min(rows.end);
            for panel in panels.clone() {
                let weights = self.packed.as_ptr().add(panel * self.pairs * PANEL);
                let bias = self.bias.as_ptr().add(panel * PANEL);
                let columns = (self.out_features - panel * PANEL).min(PANEL);
                let mut row = block;
                while row < block_end {
                    let tile = Tile {
                        x: x_pairs.as_ptr().add(row * self.pairs),
                        x_stride: self.pairs,
                        weights,
                        bias,
                        y: y.add(row * self.out_features + panel * PANEL),
                        y_stride: self.out_features,
                        pairs: self.pairs,
                        columns,
                        epilogue: self.epilogue,
                    };
                    let count = (block_end - row).min(TILE_ROWS);
                    match count {
                        1 => tile.run::<1>(),
                        2 => tile.run::<2>(),
                        3 => tile.run::<3>(),
                        4 => tile.run::<4>(),
                        5 => tile.run::<5>(),
                        _ => tile.run::<TILE_ROWS>(),
                    }
                    row += count;
                }
            }
            block = block_end;
        }
    }
}

impl CustomOp1 for Bf16Linear {
    fn name(&self) -> &'static str {
        "resonance-bf16-linear"
    }

    #[cfg(target_arch = "x86_64")]
    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = layout.shape().dims();
        if dims.last() != Some(&self.in_features) {
            candle_core::bail!("bf16 linear: input {:?} for {} features", layout.shape(), self.in_features);
        }
        let (start, end) =
            layout.contiguous_offsets().ok_or_else(|| candle_core::Error::Msg("bf16 linear: input not contiguous".into()))?;
        let x = &storage.as_slice::<f32>()?[start..end];
        let rows = x.len() / self.in_features;
        let mut x_pairs = vec![0u32; rows * self.pairs];
        // SAFETY: `pack` returned Self only on a CPU with AVX-512 BF16.
        unsafe { round_rows_to_bf16(x, self.in_features, &mut x_pairs) };
        let mut y: Vec<f32> = Vec::with_capacity(rows * self.out_features);
        let out = SharedOut(y.as_mut_ptr());
        let tasks = inference_tasks();
        let panels = self.panels();
        if rows < SPLIT_ROWS_FROM && panels >= 2 * tasks {
            for_each_task(tasks, |t| {
                // SAFETY: as above; task t writes the columns of its own panels only.
                unsafe { self.compute(&x_pairs, out.ptr(), 0..rows, share(panels, tasks, t, 1)) }
            });
        } else {
            for_each_task(tasks, |t| {
                // SAFETY: as above; task t writes its own rows only.
                unsafe { self.compute(&x_pairs, out.ptr(), share(rows, tasks, t, TILE_ROWS), 0..panels) }
            });
        }
        // SAFETY: the tasks above stored every column of every row (the last panel's stores
        // are masked to the columns that exist).
        unsafe { y.set_len(rows * self.out_features) };
        let mut out_dims = dims.to_vec();
        *out_dims.last_mut().expect("checked above") = self.out_features;
        Ok((CpuStorage::F32(y), Shape::from(out_dims)))
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn cpu_fwd(&self, _: &CpuStorage, _: &Layout) -> Result<(CpuStorage, Shape)> {
        candle_core::bail!("bf16 linear: no AVX-512 BF16 on this architecture")
    }
}

/// Task `t` of `tasks`' share of `0..n`, in whole multiples of `unit` but the last.
fn share(n: usize, tasks: usize, t: usize, unit: usize) -> std::ops::Range<usize> {
    let per_task = n.div_ceil(tasks).div_ceil(unit) * unit;
    (t * per_task).min(n)..((t + 1) * per_task).min(n)
}

/// f32 -> bf16 bits, rounding to nearest even as `vcvtne2ps2bf16` does (NaN stays NaN).
fn bf16_bits(x: f32) -> u16 {
    if x.is_nan() {
        return ((x.to_bits() >> 16) | 0x40) as u16;
    }
    let bits = x.to_bits();
    (bits.wrapping_add(0x7FFF + ((bits >> 16) & 1)) >> 16) as u16
}

/// Rounds each row of `x` ([rows, width] f32) to bf16, written as pairs: `pairs` u32 per row,
/// the last half zero when `width` is odd.
///
/// # Safety
/// The CPU has AVX-512 BF16.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn round_rows_to_bf16(x: &[f32], width: usize, pairs: &mut [u32]) {
    use std::arch::x86_64::*;
    let per_row = width.div_ceil(2);
    for (src, dst) in x.chunks_exact(width).zip(pairs.chunks_exact_mut(per_row)) {
        let halves = dst.as_mut_ptr() as *mut u16;
        let whole = width / 16 * 16;
        for j in (0..whole).step_by(16) {
            let rounded: __m256bh = _mm512_cvtneps_pbh(_mm512_loadu_ps(src.as_ptr().add(j)));
            std::ptr::write_unaligned(halves.add(j) as *mut __m256bh, rounded);
        }
        for (j, &v) in src.iter().enumerate().skip(whole) {
            *halves.add(j) = bf16_bits(v);
        }
    }
}

/// One microkernel call: `R` rows of y over one panel.
#[cfg(target_arch = "x86_64")]
struct Tile {
    /// The first row's pairs of bf16 x, rows `x_stride` u32 apart.
    x: *const u32,
    x_stride: usize,
    /// The panel's packed weights and padded bias.
    weights: *const u32,
    bias: *const f32,
    /// The tile's first element of y, rows `y_stride` f32 apart.
    y: *mut f32,
    y_stride: usize,
    pairs: usize,
    /// Columns of the panel that exist (the last panel may be narrower).
    columns: usize,
    epilogue: Epilogue,
}

#[cfg(target_arch = "x86_64")]
impl Tile {
    /// # Safety
    /// As [`Bf16Linear::compute`]: every pointer covers `R` rows and the panel.
    #[target_feature(enable = "avx512f,avx512bf16")]
    unsafe fn run<const R: usize>(&self) {
        use std::arch::x86_64::*;
        const V: usize = PANEL / 16;
        let mut sums = [[_mm512_setzero_ps(); V]; R];
        for row in sums.iter_mut() {
            for (v, sum) in row.iter_mut().enumerate() {
                *sum = _mm512_loadu_ps(self.bias.add(16 * v));
            }
        }
        let mut weights = self.weights;
        for p in 0..self.pairs {
            let mut w = [std::mem::zeroed::<__m512bh>(); V];
            for (v, w) in w.iter_mut().enumerate() {
                *w = std::ptr::read_unaligned(weights.add(16 * v) as *const __m512bh);
            }
            for (r, row) in sums.iter_mut().enumerate() {
                let x: __m512bh = std::mem::transmute(_mm512_set1_epi32(*self.x.add(r * self.x_stride + p) as i32));
                for (sum, w) in row.iter_mut().zip(w) {
                    *sum = _mm512_dpbf16_ps(*sum, x, w);
                }
            }
            weights = weights.add(PANEL);
        }
        for (r, row) in sums.iter().enumerate() {
            let dst = self.y.add(r * self.y_stride);
            for (v, sum) in row.iter().enumerate() {
                let live = self.columns.saturating_sub(16 * v).min(16);
                _mm512_mask_storeu_ps(dst.add(16 * v), ((1u32 << live) - 1) as u16, *sum);
            }
            if self.epilogue == Epilogue::Gelu {
                crate::kernels::gelu_in_place(std::slice::from_raw_parts_mut(dst, self.columns));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn rounded(x: f32) -> f32 {
        f32::from_bits((bf16_bits(x) as u32) << 16)
    }

    /// x W^T + b over bf16-rounded x and W, summed in f64: what the kernel computes, up to
    /// the order of its f32 sums.
    fn reference(x: &[f32], w: &[f32], b: &[f32], rows: usize, inputs: usize, outputs: usize) -> Vec<f32> {
        let mut y = vec![0f32; rows * outputs];
        for r in 0..rows {
            for c in 0..outputs {
                let dot: f64 = (0..inputs).map(|i| rounded(x[r * inputs + i]) as f64 * rounded(w[c * inputs + i]) as f64).sum();
                y[r * outputs + c] = (dot + b[c] as f64) as f32;
            }
        }
        y
    }

    /// The kernel tests run only on a CPU with AVX-512 BF16 (this project's VMs have it).
    fn kernel_runs_here() -> bool {
        if !bf16_available() {
            eprintln!("no AVX-512 BF16 on this CPU: the kernel cannot run here");
        }
        bf16_available()
    }

    #[test]
    fn rounding_is_to_nearest_even() {
        assert_eq!(bf16_bits(1.0), 0x3F80);
        // 1 + 2^-8 lies halfway between two bf16 values: ties go to the even one (1.0).
        assert_eq!(bf16_bits(1.0 + 1.0 / 256.0), 0x3F80);
        assert_eq!(bf16_bits(1.0 + 3.0 / 256.0), 0x3F82);
        assert!(f32::from_bits((bf16_bits(f32::NAN) as u32) << 16).is_nan());
    }

    #[test]
    fn shares_cover_the_range_once_in_whole_units() {
        for (n, tasks, unit) in [(100, 2, 6), (5, 2, 6), (7, 3, 1), (0, 2, 6), (12, 2, 6)] {
            let parts: Vec<_> = (0..tasks).map(|t| share(n, tasks, t, unit)).collect();
            assert_eq!(parts.iter().map(|r| r.len()).sum::<usize>(), n, "{n} {tasks} {unit}");
            for pair in parts.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
                assert!(pair[0].len() % unit == 0 || pair[0].end == n, "{n} {tasks} {unit}: {pair:?}");
            }
        }
    }

    #[test]
    fn products_match_the_rounded_reference_on_ragged_shapes() {
        if !kernel_runs_here() {
            return;
        }
        let dev = Device::Cpu;
        // Odd inputs (a half-empty last pair), outputs short of a panel, rows not a tile,
        // panels enough for the threads to split them (5 of 64), and rows enough to split.
        for (rows, inputs, outputs) in [(1, 3, 5), (7, 33, 70), (13, 64, 128), (20, 40, 300), (600, 48, 200)] {
            let x = Tensor::randn(0f32, 1.0, (rows, inputs), &dev).unwrap();
            let w = Tensor::randn(0f32, 0.5, (outputs, inputs), &dev).unwrap();
            let b = Tensor::randn(0f32, 1.0, outputs, &dev).unwrap();
            let layer = Bf16Linear::pack(&w, Some(&b), Epilogue::None).unwrap().unwrap();
            let got = layer.forward(&x).unwrap();
            assert_eq!(got.dims(), &[rows, outputs]);
            let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let want = reference(&flat(&x), &flat(&w), &flat(&b), rows, inputs, outputs);
            for (i, (g, w)) in flat(&got).iter().zip(&want).enumerate() {
                assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "({rows}, {inputs}, {outputs}) element {i}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn the_gelu_epilogue_is_gelu_of_the_product() {
        if !kernel_runs_here() {
            return;
        }
        let dev = Device::Cpu;
        let x = Tensor::randn(0f32, 1.0, (2, 9, 40), &dev).unwrap();
        let w = Tensor::randn(0f32, 0.5, (100, 40), &dev).unwrap();
        let b = Tensor::randn(0f32, 1.0, 100, &dev).unwrap();
        let plain = Bf16Linear::pack(&w, Some(&b), Epilogue::None).unwrap().unwrap().forward(&x).unwrap();
        let gelu = Bf16Linear::pack(&w, Some(&b), Epilogue::Gelu).unwrap().unwrap().forward(&x).unwrap();
        assert_eq!(gelu.dims(), &[2, 9, 100]);
        let diff = (plain.gelu_erf().unwrap() - gelu).unwrap().abs().unwrap().flatten_all().unwrap().max(0).unwrap();
        assert!(diff.to_scalar::<f32>().unwrap() < 1e-5);
    }

    #[test]
    fn an_input_carrying_a_gradient_is_refused() {
        if !kernel_runs_here() {
            return;
        }
        let dev = Device::Cpu;
        let w = Tensor::randn(0f32, 0.5, (8, 4), &dev).unwrap();
        let layer = Bf16Linear::pack(&w, None, Epilogue::None).unwrap().unwrap();
        let trained = candle_core::Var::randn(0f32, 1.0, (2, 4), &dev).unwrap();
        let err = layer.forward(trained.as_tensor()).err().expect("a tracked input must be refused").to_string();
        assert!(err.contains("gradient"), "{err}");
        assert!(layer.forward(&trained.as_tensor().detach()).is_ok());
    }

    #[test]
    fn against_f32_the_error_is_bf16_rounding() {
        if !kernel_runs_here() {
            return;
        }
        let dev = Device::Cpu;
        let x = Tensor::randn(0f32, 1.0, (64, 384), &dev).unwrap();
        let w = Tensor::randn(0f32, 0.05, (1152, 384), &dev).unwrap();
        let got = Bf16Linear::pack(&w, None, Epilogue::None).unwrap().unwrap().forward(&x).unwrap();
        let exact = x.matmul(&w.t().unwrap()).unwrap();
        let norm = |t: &Tensor| t.sqr().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap().sqrt();
        let relative = norm(&(got - &exact).unwrap()) / norm(&exact);
        // bf16 keeps 8 bits of mantissa: each product is off by about 2^-9 relative, and the
        // errors of 384 terms partly cancel (2.4e-3 measured on the branch).
        assert!(relative < 5e-3 && relative > 1e-4, "relative error {relative}");
    }
}
