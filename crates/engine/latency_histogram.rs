//! Latency histograms with fixed log-scale buckets, the form server-wide statistics keep
//! them in (a fixed array of counters fits shared memory, and adding two histograms is adding
//! their counters). Bucket i counts latencies up to `upper_bound(i)`: 0.05 ms doubling to
//! 0.05 * 2^(BUCKETS - 2) ms (about 14 minutes); the last bucket takes everything above.
//! A quantile read from it is the upper bound of the bucket it falls in: at most 2x the
//! true value, never below it.

pub const BUCKETS: usize = 26;
const FIRST_BOUND_MS: f64 = 0.05;

/// The bucket of a latency in milliseconds (a negative or NaN one counts as 0).
pub fn bucket_of(ms: f64) -> usize {
    let mut bound = FIRST_BOUND_MS;
    for i in 0..BUCKETS - 1 {
        if ms <= bound || ms.is_nan() {
            return i;
        }
        bound *= 2.0;
    }
    BUCKETS - 1
}

/// The largest latency bucket `i` holds; infinite for the last.
pub fn upper_bound(i: usize) -> f64 {
    if i >= BUCKETS - 1 {
        f64::INFINITY
    } else {
        FIRST_BOUND_MS * 2f64.powi(i as i32)
    }
}

/// The `q` quantile (0..=1) of the latencies counted in `counts`, as its bucket's upper
/// bound; None when nothing was counted.
pub fn quantile(counts: &[u64; BUCKETS], q: f64) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for (i, &c) in counts.iter().enumerate() {
        seen += c;
        if seen >= rank {
            return Some(upper_bound(i));
        }
    }
    Some(upper_bound(BUCKETS - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_double_from_the_first_bound() {
        assert_eq!(bucket_of(0.0), 0);
        assert_eq!(bucket_of(0.05), 0);
        assert_eq!(bucket_of(0.051), 1);
        assert_eq!(bucket_of(12.0), 8); // 0.05 * 2^8 = 12.8
        assert_eq!(bucket_of(-3.0), 0);
        assert_eq!(bucket_of(f64::NAN), 0);
        assert_eq!(bucket_of(1e12), BUCKETS - 1);
        assert!(upper_bound(BUCKETS - 2) > 8e5 && upper_bound(BUCKETS - 1).is_infinite());
    }

    #[test]
    fn quantiles_are_bucket_upper_bounds_never_below_the_truth() {
        let mut counts = [0u64; BUCKETS];
        for ms in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 90.0] {
            counts[bucket_of(ms)] += 1;
        }
        assert_eq!(quantile(&counts, 0.5), Some(1.6)); // 1.0 falls in (0.8, 1.6]
        assert_eq!(quantile(&counts, 0.9), Some(1.6));
        assert_eq!(quantile(&counts, 0.99), Some(102.4)); // 90 falls in (51.2, 102.4]
        assert_eq!(quantile(&[0; BUCKETS], 0.5), None);
    }
}
