//! Expected fit over an inferred distribution: how well a resume fits a job whose occupation
//! is uncertain, as the sum over the job's inferred occupations of confidence x the resume's
//! fit to that occupation. No exact-title shortcut: an unusual title spreads its mass over
//! several occupations and the fit degrades smoothly, instead of vanishing.

use super::inference::Inferred;

/// Sum of confidence x fit over the distribution; occupations without a fit (None) add 0.
pub fn expected_fit(distribution: &[Inferred], fit: impl Fn(usize) -> Option<f32>) -> f32 {
    distribution.iter().map(|i| i.confidence * fit(i.occupation).unwrap_or(0.0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_fit_by_confidence_and_skips_unknown_occupations() {
        let d = [Inferred { occupation: 0, confidence: 0.6 }, Inferred { occupation: 1, confidence: 0.3 }];
        assert!((expected_fit(&d, |o| Some(if o == 0 { 1.0 } else { 0.5 })) - 0.75).abs() < 1e-6);
        assert!((expected_fit(&d, |o| (o == 1).then_some(1.0)) - 0.3).abs() < 1e-6);
        assert_eq!(expected_fit(&[], |_| Some(1.0)), 0.0);
    }
}
