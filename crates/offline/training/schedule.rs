//! Learning-rate schedule: linear warm-up to the peak, then linear decay towards zero,
//! the schedule BERT was trained and is usually fine-tuned with.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearSchedule {
    pub peak: f64,
    pub warmup_steps: usize,
    pub total_steps: usize,
}

impl LinearSchedule {
    /// The learning rate of update `step` (0-based). Warm-up counts from 1, not 0, so the
    /// first update is not wasted at rate 0 (as with transformers' scheduler stepped after
    /// the optimizer); the peak is reached at the last warm-up step and the last update
    /// still moves at peak / (total - warmup).
    pub fn learning_rate(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return self.peak * (step + 1) as f64 / self.warmup_steps as f64;
        }
        let decay_steps = self.total_steps.saturating_sub(self.warmup_steps).max(1);
        let remaining = self.total_steps.saturating_sub(step);
        self.peak * remaining as f64 / decay_steps as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_then_decays() {
        let s = LinearSchedule { peak: 1.0, warmup_steps: 2, total_steps: 6 };
        let rates: Vec<f64> = (0..6).map(|i| s.learning_rate(i)).collect();
        assert_eq!(rates, vec![0.5, 1.0, 1.0, 0.75, 0.5, 0.25]);
        assert_eq!(s.learning_rate(6), 0.0, "past the end the rate is zero");
    }

    #[test]
    fn no_warmup_starts_at_peak() {
        let s = LinearSchedule { peak: 2.0, warmup_steps: 0, total_steps: 4 };
        assert_eq!(s.learning_rate(0), 2.0);
        assert_eq!(s.learning_rate(3), 0.5);
    }

    #[test]
    fn warmup_longer_than_the_run_never_divides_by_zero() {
        let s = LinearSchedule { peak: 1.0, warmup_steps: 5, total_steps: 5 };
        assert!(s.learning_rate(4).is_finite());
        assert_eq!(s.learning_rate(5), 0.0);
    }
}
