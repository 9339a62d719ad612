//! Top-k accuracy of occupation inference on labelled titles.

/// How often the true occupation is ranked first, and within the first five.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TopKAccuracy {
    pub titles: usize,
    pub top1: usize,
    pub top5: usize,
}

impl TopKAccuracy {
    /// Counts one title whose true occupation came at `rank` (0-based; None if not ranked).
    pub fn add(&mut self, rank: Option<usize>) {
        self.titles += 1;
        self.top1 += usize::from(rank == Some(0));
        self.top5 += usize::from(rank.is_some_and(|r| r < 5));
    }

    /// Share ranked first.
    pub fn top1_rate(&self) -> f64 {
        self.top1 as f64 / self.titles.max(1) as f64
    }

    /// Share ranked in the first five.
    pub fn top5_rate(&self) -> f64 {
        self.top5 as f64 / self.titles.max(1) as f64
    }
}

/// The 0-based rank of `truth` in `scores` (higher is better; ties count against it, so an
/// all-zero score vector never ranks the truth first by luck). None when its score is 0.
pub fn rank_of(scores: &[f32], truth: usize) -> Option<usize> {
    let s = *scores.get(truth)?;
    if s <= 0.0 {
        return None;
    }
    Some(scores.iter().enumerate().filter(|&(i, &v)| i != truth && v >= s).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_and_zero_scores_count_against_the_truth() {
        assert_eq!(rank_of(&[0.2, 0.9, 0.5], 1), Some(0));
        assert_eq!(rank_of(&[0.5, 0.5], 1), Some(1));
        assert_eq!(rank_of(&[0.0, 0.0], 0), None);
        let mut acc = TopKAccuracy::default();
        for r in [Some(0), Some(3), None, Some(7)] {
            acc.add(r);
        }
        assert_eq!((acc.titles, acc.top1, acc.top5), (4, 1, 2));
        assert_eq!(acc.top1_rate(), 0.25);
    }
}
