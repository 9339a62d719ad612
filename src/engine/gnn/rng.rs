//! A small seeded random number generator, so that a run's split, negatives, initial weights
//! and dropout masks depend on `--seed` alone (candle's own `rand` draws are not seedable on
//! the CPU, and std's hash order is randomised per process).

/// SplitMix64 (Steele, Lea and Flood 2014): one 64-bit state, full period, good enough for
/// sampling and weight initialisation.
#[derive(Debug, Clone)]
pub struct SeededRng {
    state: u64,
}

/// The golden-ratio increment of SplitMix64.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

impl SeededRng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent stream for one purpose (`stream` names it), so adding draws to one
    /// purpose does not shift the numbers another purpose sees.
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut mixer = Self::new(seed ^ stream.wrapping_mul(GOLDEN_GAMMA).rotate_left(17));
        Self::new(mixer.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..bound` (`bound` > 0), by Lemire's multiply-shift; the bias is
    /// below 2^-32 for the bounds used here (node counts), which sampling does not notice.
    pub fn below(&mut self, bound: usize) -> usize {
        debug_assert!(bound > 0);
        (((self.next_u64() >> 32) * bound as u64) >> 32) as usize
    }

    /// A uniform float in [0, 1).
    pub fn unit_f32(&mut self) -> f32 {
        // 24 bits: exactly the f32 mantissa, so every value is representable.
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_streams_differ() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = SeededRng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = SeededRng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(SeededRng::stream(7, 1).next_u64(), SeededRng::stream(7, 2).next_u64());
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = SeededRng::new(1);
        let mut seen = [false; 5];
        for _ in 0..200 {
            let v = r.below(5);
            assert!(v < 5);
            seen[v] = true;
        }
        assert!(seen.iter().all(|&s| s));
        let u = r.unit_f32();
        assert!((0.0..1.0).contains(&u));
    }
}
