//! Token frequency tables and the smoothed log-odds between two of them: the statistic
//! both halves of the ESCO text splitter learn from the corpus itself.

use std::collections::HashMap;

/// Add-k smoothing for unseen tokens. 0.5 (Jeffreys) keeps a token seen once on one side
/// and never on the other at a log-odds of about ln 3, not infinity.
const SMOOTHING: f64 = 0.5;

/// How often each token was seen.
#[derive(Debug, Default, Clone)]
pub struct TokenCounts {
    counts: HashMap<String, u32>,
    total: u64,
}

impl TokenCounts {
    /// Counts one occurrence of `token`.
    pub fn add(&mut self, token: &str) {
        *self.counts.entry(token.to_string()).or_insert(0) += 1;
        self.total += 1;
    }

    /// Occurrences of `token` (0 when never seen).
    pub fn get(&self, token: &str) -> u32 {
        self.counts.get(token).copied().unwrap_or(0)
    }

    /// Number of distinct tokens.
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// Smoothed probability of `token` over a vocabulary of `vocabulary` tokens.
    pub fn probability(&self, token: &str, vocabulary: usize) -> f64 {
        (self.get(token) as f64 + SMOOTHING) / (self.total as f64 + SMOOTHING * vocabulary as f64)
    }
}

/// ln P(token | numerator) - ln P(token | denominator), both smoothed over `vocabulary`.
pub fn log_odds(token: &str, numerator: &TokenCounts, denominator: &TokenCounts, vocabulary: usize) -> f64 {
    numerator.probability(token, vocabulary).ln() - denominator.probability(token, vocabulary).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_odds_favours_the_side_a_token_was_seen_on() {
        let mut a = TokenCounts::default();
        let mut b = TokenCounts::default();
        for t in ["the", "the", "use"] {
            a.add(t);
        }
        for t in ["java", "java", "the"] {
            b.add(t);
        }
        let vocabulary = 3;
        assert!(log_odds("the", &a, &b, vocabulary) > 0.0);
        assert!(log_odds("java", &a, &b, vocabulary) < 0.0);
        assert_eq!(log_odds("unseen", &a, &b, vocabulary), 0.0);
        assert_eq!(a.get("the"), 2);
        assert_eq!(a.distinct(), 2);
    }
}
