//! Lexical label matching: tf-idf cosine between a title's weighted terms and each label,
//! over stemmed words and over character trigrams of those words. Words carry the meaning;
//! trigrams catch what stemming misses ("wiredrawing" / "wire drawing", "programer",
//! "paralegal" / "legal").

use std::collections::HashMap;

use super::title_terms::stems;
use crate::normalize::normalize_title;

/// Share of the score from character trigrams; the rest is whole words. 0.3 lets a
/// trigram-only match rank below any shared word. Chosen by hand before measuring.
pub const TRIGRAM_SHARE: f32 = 0.3;

/// One feature space (words, trigrams, or the skills of occupation profiles): an inverted
/// index of tf-idf unit vectors, scored by cosine.
#[derive(Debug, Default)]
pub(super) struct Space {
    /// feature -> (label, weight in the label's unit vector)
    postings: HashMap<String, Vec<(u32, f32)>>,
    idf: HashMap<String, f32>,
}

impl Space {
    /// Indexes each label's features (repeats count), with smoothed idf over labels.
    pub(super) fn build(labels: &[Vec<String>]) -> Self {
        let mut df: HashMap<&str, usize> = HashMap::new();
        for features in labels {
            let mut seen: Vec<&str> = features.iter().map(String::as_str).collect();
            seen.sort_unstable();
            seen.dedup();
            for f in seen {
                *df.entry(f).or_default() += 1;
            }
        }
        let n = labels.len() as f32;
        let idf: HashMap<String, f32> = df.iter().map(|(f, &d)| (f.to_string(), (1.0 + n / d as f32).ln())).collect();
        let mut postings: HashMap<String, Vec<(u32, f32)>> = HashMap::new();
        for (i, features) in labels.iter().enumerate() {
            let vector = weighted(features.iter().map(|f| (f.as_str(), 1.0)), &idf);
            for (f, w) in unit(vector) {
                postings.entry(f.to_string()).or_default().push((i as u32, w));
            }
        }
        Self { postings, idf }
    }

    /// Adds the cosine of the query features to every label's slot in `scores`, times `share`.
    pub(super) fn accumulate<'a>(&self, query: impl Iterator<Item = (&'a str, f32)>, share: f32, scores: &mut [f32]) {
        for (f, q) in unit(weighted(query, &self.idf)) {
            for &(label, w) in self.postings.get(f).map(Vec::as_slice).unwrap_or_default() {
                scores[label as usize] += share * q * w;
            }
        }
    }
}

/// Sums weight x idf per feature; features unknown to the index are dropped.
fn weighted<'a>(features: impl Iterator<Item = (&'a str, f32)>, idf: &HashMap<String, f32>) -> HashMap<&'a str, f32> {
    let mut out: HashMap<&str, f32> = HashMap::new();
    for (f, weight) in features {
        if let Some(i) = idf.get(f) {
            *out.entry(f).or_default() += weight * i;
        }
    }
    out
}

/// The vector scaled to unit length (empty stays empty), sorted by feature so that float
/// sums, and so ties between labels, do not depend on hash order.
fn unit(vector: HashMap<&str, f32>) -> Vec<(&str, f32)> {
    let mut sorted: Vec<(&str, f32)> = vector.into_iter().collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let norm = sorted.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm == 0.0 {
        return Vec::new();
    }
    sorted.into_iter().map(|(f, v)| (f, v / norm)).collect()
}

/// Character trigrams of a stemmed word with boundary marks ("nurs" -> "<nu", "nur", "urs", "rs>").
fn trigrams(word: &str) -> Vec<String> {
    let chars: Vec<char> = std::iter::once('<').chain(word.chars()).chain(std::iter::once('>')).collect();
    chars.windows(3).map(|w| w.iter().collect()).collect()
}

/// The index over all labels.
#[derive(Debug, Default)]
pub struct LexicalIndex {
    words: Space,
    trigrams: Space,
    labels: usize,
}

impl LexicalIndex {
    /// Indexes labels (their positions are the indices scores refer to).
    pub fn build<S: AsRef<str>>(labels: &[S]) -> Self {
        let words: Vec<Vec<String>> = labels.iter().map(|l| label_stems(l.as_ref())).collect();
        let grams: Vec<Vec<String>> = words.iter().map(|w| w.iter().flat_map(|s| trigrams(s)).collect()).collect();
        Self { words: Space::build(&words), trigrams: Space::build(&grams), labels: labels.len() }
    }

    /// Similarity in [0, 1] of the weighted stemmed terms to every label.
    pub fn scores(&self, terms: &[(String, f32)]) -> Vec<f32> {
        let mut scores = vec![0.0; self.labels];
        self.words.accumulate(terms.iter().map(|(t, w)| (t.as_str(), *w)), 1.0 - TRIGRAM_SHARE, &mut scores);
        let grams: Vec<(String, f32)> = terms.iter().flat_map(|(t, w)| trigrams(t).into_iter().map(move |g| (g, *w))).collect();
        self.trigrams.accumulate(grams.iter().map(|(g, w)| (g.as_str(), *w)), TRIGRAM_SHARE, &mut scores);
        scores
    }
}

/// The stemmed content words of a label.
fn label_stems(label: &str) -> Vec<String> {
    let words: Vec<String> = normalize_title(label).split(' ').filter(|w| !w.is_empty()).map(String::from).collect();
    stems(&words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::stem;

    fn terms(words: &[&str]) -> Vec<(String, f32)> {
        words.iter().map(|w| (stem(w), 1.0)).collect()
    }

    #[test]
    fn the_label_with_the_query_words_wins() {
        let index = LexicalIndex::build(&["registered nurse", "nurse anesthetist", "loan officer", "loan clerk"]);
        let s = index.scores(&terms(&["registered", "nurses"]));
        assert!((s[0] - 1.0).abs() < 1e-4, "{s:?}");
        assert!(s[0] > s[1] && s[1] > s[2], "{s:?}");
        let s = index.scores(&terms(&["loan", "clerks"]));
        assert!(s[3] > s[2] && s[2] > s[0], "{s:?}");
    }

    #[test]
    fn trigrams_match_compounds_and_unknown_words_score_nothing() {
        let index = LexicalIndex::build(&["wire drawing operator", "cook"]);
        let s = index.scores(&terms(&["wiredrawing"]));
        assert!(s[0] > 0.0 && s[1] == 0.0, "{s:?}");
        assert!(index.scores(&terms(&["xyzzy"])).iter().all(|&v| v == 0.0));
    }
}
