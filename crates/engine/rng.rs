//! The one seeded random number generator of the engine, so that weight initialisation,
//! batch sampling, augmentation, negative mining and the GNN's splits repeat exactly for a
//! given seed. candle's CPU generator cannot be
//! seeded (`Device::set_seed` fails on CPU), and `rand`'s `StdRng` may change its
//! algorithm between versions; SplitMix64 is fixed by its definition.

use crate::hash::fnv1a_64;

/// SplitMix64 (Steele, Lea, Flood 2014): 64 bits of state, passes BigCrush, and any seed,
/// 0 included, gives a full-period stream.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

/// SplitMix64's increment: the odd integer closest to 2^64 / golden ratio.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent stream for one named use of a seed (a tensor name, a training step),
    /// so that adding a use elsewhere does not shift this one's numbers.
    pub fn derived(seed: u64, label: &str) -> Self {
        Self::new(seed ^ fnv1a_64(label.as_bytes()).rotate_left(17))
    }

    /// An independent stream for item or purpose number `stream` (one query of a mining
    /// job, one use of a GNN seed), so each one's draws do not depend on the others'.
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut mixer = Self::new(seed ^ stream.wrapping_mul(GOLDEN_GAMMA).rotate_left(17));
        Self::new(mixer.next_u64())
    }

    /// The stream for training step `step` under `seed`: batch k of a resumed run draws the
    /// same examples as batch k of an uninterrupted one.
    pub fn for_step(seed: u64, step: usize) -> Self {
        Self::derived(seed, &format!("step {step}"))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits (an f64's mantissa).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, 1) as f32, from 24 bits (the f32 mantissa, so every value is exact).
    pub fn unit_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform integer in [0, n); 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        // Multiply-shift (Lemire): unbiased enough for n far below 2^64, and branch-free.
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal sample (Box-Muller; the second value of the pair is dropped to keep
    /// the state a single integer).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // in (0, 1], so ln() is finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Fisher-Yates shuffle in place.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_different_seed_different_stream() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(8);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn splitmix_reference_value() {
        // First output of SplitMix64 seeded with 0 (from the reference C implementation).
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn derived_streams_differ_by_label() {
        assert_ne!(Rng::derived(1, "a").next_u64(), Rng::derived(1, "b").next_u64());
        assert_ne!(Rng::stream(1, 0).next_u64(), Rng::stream(1, 1).next_u64());
        assert_eq!(Rng::new(1).below(0), 0);
        assert_ne!(Rng::for_step(1, 0).next_u64(), Rng::for_step(1, 1).next_u64());
    }

    #[test]
    fn uniform_and_below_stay_in_range() {
        let mut r = Rng::new(3);
        for _ in 0..1000 {
            let u = r.uniform();
            assert!((0.0..1.0).contains(&u));
            assert!(r.below(5) < 5);
            assert!((0.0..1.0).contains(&r.unit_f32()));
        }
    }

    #[test]
    fn normal_has_roughly_zero_mean_and_unit_variance() {
        let mut r = Rng::new(11);
        let xs: Vec<f64> = (0..20_000).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut v: Vec<usize> = (0..50).collect();
        Rng::new(5).shuffle(&mut v);
        assert_ne!(v, (0..50).collect::<Vec<_>>());
        v.sort();
        assert_eq!(v, (0..50).collect::<Vec<_>>());
    }
}
