//! The held-out table of a fold: top-1 / top-5 of each system on the fold's test titles,
//! clean and with rule-made ad noise, against the test taxonomy's whole index (name + index
//! half of the labels of every occupation, reserved ones included, as `occupation_accuracy`
//! and the extension index them). Systems:
//!   embed_canonical     the baseline: nearest canonical name, base MiniLM cosine;
//!   fused               today's inference: lexical + nearest index label (base MiniLM),
//!                       `InferenceParams::embedding_weight`;
//!   encoder_prototype   nearest occupation prototype (mean of name and index labels)
//!                       under the trained projection;
//!   encoder_labels      nearest index label under the trained projection;
//!   encoder_fused       today's fusion with encoder_labels as its embedding score.

use resonance_engine::error::Result;
use resonance_engine::occupations::inference::{InferenceParams, OccupationIndex};
use resonance_engine::projection::Projection;
use resonance_engine::rng::Rng;

use super::fold::Probe;
use super::noise::ad_noise;
use crate::occupations::accuracy::{rank_of, TopKAccuracy};
use crate::occupations::labels::LabelledOccupation;
use crate::occupations::nearest_label::LabelEmbeddings;

pub const SYSTEMS: [&str; 5] = ["embed_canonical", "fused", "encoder_prototype", "encoder_labels", "encoder_fused"];

/// Seed of the test titles' noise: not the training seed, so a test title's noise is not
/// one the encoder trained on (the rules are the same).
const TEST_NOISE_SEED: u64 = 0x7e57_4015e;

/// The noised form of a test title, the same in every run.
pub fn noised_test_title(title: &str) -> String {
    ad_noise(title, &mut Rng::derived(TEST_NOISE_SEED, title))
}

/// Unit mean of `vectors`: an occupation's prototype from its name and labels.
pub fn mean_direction<'v>(vectors: impl Iterator<Item = &'v [f32]>) -> Vec<f32> {
    let mut sum: Vec<f32> = Vec::new();
    for v in vectors {
        sum.resize(v.len(), 0.0);
        sum.iter_mut().zip(v).for_each(|(s, x)| *s += x);
    }
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    sum.into_iter().map(|x| x / norm).collect()
}

/// One cell pair of the table.
#[derive(Debug, Clone)]
pub struct TableRow {
    pub system: &'static str,
    /// "clean" or "noised".
    pub titles: &'static str,
    pub accuracy: TopKAccuracy,
}

/// The test taxonomy's index in every form the systems need.
pub struct TestIndex {
    index: OccupationIndex,
    canonical: LabelEmbeddings,
    labels: LabelEmbeddings,
    projected_labels: LabelEmbeddings,
    projected_prototypes: LabelEmbeddings,
}

impl TestIndex {
    /// `embed` gives the base embedding of any text the caller embedded beforehand.
    pub fn build<'e>(occupations: &[LabelledOccupation], embed: &dyn Fn(&str) -> &'e [f32], projection: &Projection) -> Result<Self> {
        let entries: Vec<_> = occupations.iter().map(LabelledOccupation::index_entry).collect();
        let index = OccupationIndex::build(&entries, InferenceParams::default());
        let labels: Vec<Vec<f32>> = index.labels().iter().map(|l| embed(l).to_vec()).collect();
        let canonical = occupations.iter().map(|o| embed(&o.name).to_vec()).collect();
        let prototypes: Vec<Vec<f32>> =
            occupations.iter().map(|o| mean_direction(o.index_titles().into_iter().map(embed))).collect();
        Ok(Self {
            index,
            canonical: LabelEmbeddings::new(canonical),
            projected_labels: LabelEmbeddings::new(projection.apply(&labels)?),
            labels: LabelEmbeddings::new(labels),
            projected_prototypes: LabelEmbeddings::new(projection.apply(&prototypes)?),
        })
    }

    /// Each system's scores over the occupations (in [`SYSTEMS`] order) for a title with
    /// base embedding `base` and projected embedding `projected`.
    fn scores(&self, title: &str, base: &[f32], projected: &[f32]) -> [Vec<f32>; 5] {
        let weight = InferenceParams::default().embedding_weight;
        let lexical = self.index.lexical_scores(title);
        let dense = self.index.embedding_scores(&self.labels.nearest(base));
        let encoder_dense = self.index.embedding_scores(&self.projected_labels.nearest(projected));
        [
            self.canonical.scores(base),
            self.index.fuse(&lexical, &dense, weight),
            self.projected_prototypes.scores(projected),
            encoder_dense.clone(),
            self.index.fuse(&lexical, &encoder_dense, weight),
        ]
    }
}

/// Every system's accuracy on `probes`, clean and noised ([`noised_test_title`]).
pub fn held_out_table<'e>(
    test: &TestIndex,
    probes: &[Probe],
    embed: &dyn Fn(&str) -> &'e [f32],
    projection: &Projection,
) -> Result<Vec<TableRow>> {
    let mut rows = Vec::new();
    for (variant, titles) in [
        ("clean", probes.iter().map(|p| p.title.clone()).collect::<Vec<_>>()),
        ("noised", probes.iter().map(|p| noised_test_title(&p.title)).collect()),
    ] {
        let base: Vec<Vec<f32>> = titles.iter().map(|t| embed(t).to_vec()).collect();
        let projected = projection.apply(&base)?;
        let mut accuracy = [TopKAccuracy::default(); 5];
        for (i, p) in probes.iter().enumerate() {
            for (acc, scores) in accuracy.iter_mut().zip(test.scores(&titles[i], &base[i], &projected[i])) {
                acc.add(rank_of(&scores, p.truth));
            }
        }
        rows.extend(SYSTEMS.iter().zip(accuracy).map(|(system, accuracy)| TableRow { system, titles: variant, accuracy }));
    }
    Ok(rows)
}

/// The table as text: one line per system, clean and noised side by side.
pub fn format_table(fold: &str, rows: &[TableRow]) -> String {
    let n = rows.first().map_or(0, |r| r.accuracy.titles);
    let mut out = format!("== held out: {fold} ({n} titles)          clean top1 / top5    noised top1 / top5\n");
    for system in SYSTEMS {
        let cell = |variant: &str| {
            rows.iter()
                .find(|r| r.system == system && r.titles == variant)
                .map_or("-".to_string(), |r| format!("{:.3} / {:.3}", r.accuracy.top1_rate(), r.accuracy.top5_rate()))
        };
        out += &format!("{system:<36} {:<20} {}\n", cell("clean"), cell("noised"));
    }
    out
}

/// The table as JSON rows.
pub fn table_json(rows: &[TableRow]) -> serde_json::Value {
    rows.iter()
        .map(|r| {
            serde_json::json!({"system": r.system, "titles": r.titles, "top1": r.accuracy.top1_rate(),
                "top5": r.accuracy.top5_rate(), "n": r.accuracy.titles})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prototypes_are_unit_means_and_test_noise_is_fixed() {
        let a = [1.0f32, 0.0];
        let b = [0.0f32, 1.0];
        let m = mean_direction([&a[..], &b[..]].into_iter());
        assert!((m[0] - m[1]).abs() < 1e-6 && (m[0] * m[0] + m[1] * m[1] - 1.0).abs() < 1e-6);
        assert_eq!(noised_test_title("Loan Officer"), noised_test_title("Loan Officer"));
        assert_ne!(noised_test_title("Loan Officer"), "Loan Officer");
    }
}
