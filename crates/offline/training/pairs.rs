//! Labelled (resume, job) pairs for the cross-encoder's binary cross-entropy, built from
//! occupation profiles under an honest protocol:
//!
//! 1. Reserved occupations (reserved.txt) are dropped first; they never appear in a text,
//!    a positive or a negative.
//! 2. The other occupations split into two halves by a hash of their key ([`half_of`]).
//!    Only the TRAIN half is written into texts; the EVAL half is left out entirely (no
//!    positives, no negatives), so the dev benchmark's resumes of EVAL occupations measure
//!    the model on occupations it has never seen.
//! 3. Weak labels: a resume and a posting of the same occupation are a positive pair.
//!    Negatives are postings of other occupations, mined by the engine's miner (BM25 and
//!    bi-encoder neighbours, with its false-negative guard) plus in-batch negatives from
//!    the miner's batch planner, which never puts two examples of one occupation together.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::occupations::{SourceOccupation, Classification};
use resonance_engine::rng::Rng;
use super::synthetic::{job_text, resume_text, split_duties};
use resonance_engine::error::{EngineError, Result};
use crate::sources::reserved::ReservedOccupations;
use crate::mining::hard_negatives::{
    mine_hard_negatives, Document, HardNegative, MiningConfig, NegativeSource, Query,
};
use crate::mining::in_batch::plan_batches;

/// Seed of the TRAIN/EVAL split hash. Fixed forever: changing it would move occupations
/// between the halves and make earlier EVAL-half numbers incomparable.
pub const SPLIT_SEED: u64 = 0x5245_534F_4E41_4E43; // "RESONANC"

/// The split rule in words, for run records.
pub const SPLIT_RULE: &str = "EVAL if the lowest bit of Rng::derived(SPLIT_SEED = 0x5245534F4E414E43, key).next_u64() \
     (SplitMix64 seeded with the seed xor rotl(FNV-1a-64(key), 17)) is 1, else TRAIN; key = O*NET-SOC code or ESCO URI";

/// Fewest duties an occupation needs: each side's pool gets half, and a text with fewer
/// than 3 duties says too little (the benchmark itself requires 8 distinct O*NET tasks).
pub const MIN_DUTIES: usize = 6;

/// Which half of the non-reserved occupations a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PairHalf {
    Train,
    Eval,
}

/// The half of `key` (an O*NET-SOC code or ESCO URI), by [`SPLIT_RULE`]. Independent of
/// reserved.txt's own sha1 rule, so both halves mix all parts of the classification.
pub fn half_of(key: &str) -> PairHalf {
    if Rng::derived(SPLIT_SEED, key.trim()).next_u64() & 1 == 1 {
        PairHalf::Eval
    } else {
        PairHalf::Train
    }
}

/// How many texts to write per TRAIN occupation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariantCounts {
    pub resumes: usize,
    pub jobs: usize,
}

/// Settings of a pair build.
#[derive(Debug, Clone, PartialEq)]
pub struct PairConfig {
    pub seed: u64,
    pub onet: VariantCounts,
    pub esco: VariantCounts,
    /// Mined negatives per positive pair, alternating BM25 and bi-encoder sources.
    pub hard_negatives: usize,
    /// In-batch negatives per positive pair.
    pub in_batch_negatives: usize,
    /// Examples per in-batch group of the miner's batch planner.
    pub in_batch_group: usize,
    pub mining: MiningConfig,
}

impl Default for PairConfig {
    fn default() -> Self {
        Self {
            seed: 20_260_522,
            // O*NET has ten times as many occupations as ESCO ICT: one posting and two
            // resumes each; ESCO gets more texts per occupation so its track is not drowned.
            onet: VariantCounts { resumes: 2, jobs: 1 },
            esco: VariantCounts { resumes: 3, jobs: 2 },
            // 1 positive : 2 mined + 1 in-batch negatives = 1:3, the low end of the
            // 1:3..1:5 of the training design, which keeps the run inside its CPU budget.
            hard_negatives: 2,
            in_batch_negatives: 1,
            // The training batch size (16 pairs).
            in_batch_group: 16,
            mining: MiningConfig::default(),
        }
    }
}

/// A synthetic resume or posting and its occupation key.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticText {
    pub text: String,
    pub occupation: String,
}

/// What happened to one taxonomy's occupations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SplitCounts {
    pub read: usize,
    pub reserved_dropped: usize,
    pub eval_half: usize,
    pub train_half: usize,
    /// TRAIN-half occupations left out for having fewer than [`MIN_DUTIES`] duties.
    pub too_few_duties: usize,
    /// TRAIN-half occupations written into texts.
    pub used: usize,
}

/// The texts of the TRAIN half: resumes, postings, and each resume's positive postings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingTexts {
    pub resumes: Vec<SyntheticText>,
    pub jobs: Vec<SyntheticText>,
    /// Per resume, the indices of the postings of its occupation.
    pub positives: Vec<Vec<usize>>,
    pub counts: BTreeMap<Classification, SplitCounts>,
}

/// Writes resumes and postings for every TRAIN-half, non-reserved occupation of `profiles`
/// with at least [`MIN_DUTIES`] duties. Repeated keys are an error (they would mix two
/// occupations' weak labels).
pub fn synthesize(
    profiles: &[SourceOccupation],
    reserved: &ReservedOccupations,
    config: &PairConfig,
) -> Result<TrainingTexts> {
    let mut keys = std::collections::HashSet::new();
    if let Some(repeated) = profiles.iter().find(|p| !keys.insert(p.key.as_str())) {
        return Err(EngineError::InvalidInput(format!("occupation {} is listed twice", repeated.key)));
    }
    let mut counts: BTreeMap<Classification, SplitCounts> = BTreeMap::new();
    let mut kept: Vec<&SourceOccupation> = Vec::new();
    for profile in profiles {
        let c = counts.entry(profile.taxonomy).or_default();
        c.read += 1;
        if reserved.contains(&profile.key) {
            c.reserved_dropped += 1;
        } else if half_of(&profile.key) == PairHalf::Eval {
            c.eval_half += 1;
        } else if profile.duties.len() < MIN_DUTIES {
            c.train_half += 1;
            c.too_few_duties += 1;
        } else {
            c.train_half += 1;
            c.used += 1;
            kept.push(profile);
        }
    }
    let noise: Vec<&str> = kept
        .iter()
        .filter(|p| p.taxonomy == Classification::Esco)
        .flat_map(|p| p.duties.iter().map(|d| d.text.as_str()))
        .collect();
    let mut texts = TrainingTexts { resumes: Vec::new(), jobs: Vec::new(), positives: Vec::new(), counts };
    for profile in kept {
        let variants = match profile.taxonomy {
            Classification::Onet => config.onet,
            Classification::Esco => config.esco,
        };
        let mut rng = Rng::derived(config.seed, &profile.key);
        let (resume_side, job_side) = split_duties(profile.duties.len(), &mut rng);
        let first_job = texts.jobs.len();
        for _ in 0..variants.jobs {
            let text = job_text(profile, &job_side, &mut rng);
            texts.jobs.push(SyntheticText { text, occupation: profile.key.clone() });
        }
        for _ in 0..variants.resumes {
            let text = resume_text(profile, &resume_side, &noise, &mut rng);
            texts.resumes.push(SyntheticText { text, occupation: profile.key.clone() });
            texts.positives.push((first_job..texts.jobs.len()).collect());
        }
    }
    Ok(texts)
}

/// Why a pair is in the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PairKind {
    Positive,
    MinedBm25,
    MinedEmbedding,
    InBatch,
}

impl PairKind {
    /// The name used in pair files and reports.
    pub fn name(self) -> &'static str {
        match self {
            PairKind::Positive => "positive",
            PairKind::MinedBm25 => "bm25",
            PairKind::MinedEmbedding => "embedding",
            PairKind::InBatch => "in_batch",
        }
    }

    /// The training target: 1 for a positive, 0 for a negative.
    pub fn label(self) -> f32 {
        if self == PairKind::Positive {
            1.0
        } else {
            0.0
        }
    }
}

/// One training pair: indices into [`TrainingTexts::resumes`] and [`TrainingTexts::jobs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelledPair {
    pub resume: usize,
    pub job: usize,
    pub kind: PairKind,
}

/// The pairs, shuffled, and what the mining left out.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSet {
    pub pairs: Vec<LabelledPair>,
    /// Negatives a positive should have had but the candidates did not supply.
    pub missing_negatives: usize,
}

impl PairSet {
    /// Number of pairs of each kind.
    pub fn kind_counts(&self) -> BTreeMap<PairKind, usize> {
        let mut counts = BTreeMap::new();
        for pair in &self.pairs {
            *counts.entry(pair.kind).or_insert(0) += 1;
        }
        counts
    }
}

/// Labels the pairs of `texts`: each (resume, positive posting) pair, its mined negatives
/// and its in-batch negatives; `resume_embeddings` and `job_embeddings` (bi-encoder, one per
/// text) feed the miner's semantic neighbours. Shuffled with the config's seed.
pub fn label_pairs(
    texts: &TrainingTexts,
    resume_embeddings: &[Vec<f32>],
    job_embeddings: &[Vec<f32>],
    reserved: &ReservedOccupations,
    config: &PairConfig,
) -> Result<PairSet> {
    if resume_embeddings.len() != texts.resumes.len() || job_embeddings.len() != texts.jobs.len() {
        return Err(EngineError::InvalidInput(format!(
            "{} resume and {} job embeddings for {} resumes and {} jobs",
            resume_embeddings.len(),
            job_embeddings.len(),
            texts.resumes.len(),
            texts.jobs.len()
        )));
    }
    if config.hard_negatives > config.mining.negatives_per_positive {
        return Err(EngineError::InvalidInput(format!(
            "{} hard negatives per positive asked, the miner draws {}",
            config.hard_negatives, config.mining.negatives_per_positive
        )));
    }
    let corpus: Vec<Document> = texts
        .jobs
        .iter()
        .zip(job_embeddings)
        .map(|(j, e)| Document { text: &j.text, occupation: &j.occupation, embedding: e })
        .collect();
    let queries: Vec<Query> = texts
        .resumes
        .iter()
        .zip(resume_embeddings)
        .zip(&texts.positives)
        .map(|((r, e), p)| Query { text: &r.text, occupation: &r.occupation, embedding: e, positives: p.clone() })
        .collect();
    let mined = mine_hard_negatives(&queries, &corpus, reserved, &config.mining)?;
    let mut set = PairSet { pairs: Vec::new(), missing_negatives: 0 };
    if mined.examples.is_empty() {
        return Ok(set);
    }
    let batches = plan_batches(&mined.examples, &queries, &corpus, config.in_batch_group.max(2), config.seed)?;
    let mut rng = Rng::derived(config.seed, "in-batch negatives");
    for batch in &batches {
        for (position, &e) in batch.examples.iter().enumerate() {
            let example = &mined.examples[e];
            let pair = |job: usize, kind: PairKind| LabelledPair { resume: example.query, job, kind };
            set.pairs.push(pair(example.positive, PairKind::Positive));
            let hard: Vec<LabelledPair> = alternate_sources(&example.negatives)
                .into_iter()
                .take(config.hard_negatives)
                .map(|n| pair(n.document, mined_kind(n.source)))
                .collect();
            let mut in_batch = batch.in_batch_negatives(position, &mined.examples);
            in_batch.retain(|d| hard.iter().all(|h| h.job != *d));
            rng.shuffle(&mut in_batch);
            in_batch.truncate(config.in_batch_negatives);
            set.missing_negatives += config.hard_negatives - hard.len() + config.in_batch_negatives - in_batch.len();
            set.pairs.extend(hard);
            set.pairs.extend(in_batch.into_iter().map(|d| pair(d, PairKind::InBatch)));
        }
    }
    // The guards upstream already exclude these; a pair of one occupation labelled 0 would
    // teach the opposite of the task, so none may pass whatever changes there.
    set.pairs
        .retain(|p| p.kind == PairKind::Positive || texts.jobs[p.job].occupation != texts.resumes[p.resume].occupation);
    rng.shuffle(&mut set.pairs);
    Ok(set)
}

/// The miner's negatives reordered to alternate between its two sources (BM25 first), so
/// that taking the first few gives both kinds of near miss.
fn alternate_sources(negatives: &[HardNegative]) -> Vec<HardNegative> {
    let (lexical, semantic): (Vec<HardNegative>, Vec<HardNegative>) =
        negatives.iter().partition(|n| n.source == NegativeSource::Bm25);
    let mut out = Vec::with_capacity(negatives.len());
    for i in 0..lexical.len().max(semantic.len()) {
        out.extend(lexical.get(i));
        out.extend(semantic.get(i));
    }
    out
}

/// The pair kind of a mined negative.
fn mined_kind(source: NegativeSource) -> PairKind {
    match source {
        NegativeSource::Bm25 => PairKind::MinedBm25,
        NegativeSource::Embedding => PairKind::MinedEmbedding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::occupations::Duty;

    /// An O*NET-like profile whose duties use words of its own (`w{key}`) and shared ones.
    fn profile(key: &str, taxonomy: Classification, duties: usize) -> SourceOccupation {
        SourceOccupation {
            key: key.to_owned(),
            taxonomy,
            title: format!("Title {key}"),
            other_titles: Vec::new(),
            description: Some(format!("Description of {key}.")),
            duties: (0..duties)
                .map(|i| Duty {
                    text: format!("Operate shared equipment w{key} item{i}."),
                    activities: vec![format!("Activity w{key} {}", i % 3)],
                    alternatives: Vec::new(),
                })
                .collect(),
        }
    }

    /// 60 O*NET-like and 20 ESCO-like occupations, one with too few duties.
    fn profiles() -> Vec<SourceOccupation> {
        let mut all: Vec<SourceOccupation> =
            (0..60).map(|i| profile(&format!("{:02}-{:04}.00", 11 + i % 40, i), Classification::Onet, 10)).collect();
        all.extend((0..20).map(|i| profile(&format!("http://e/o/{i}"), Classification::Esco, 12)));
        all.push(profile("99-9999.00", Classification::Onet, MIN_DUTIES - 1));
        all
    }

    /// Every fourth occupation is reserved.
    fn reserved(profiles: &[SourceOccupation]) -> ReservedOccupations {
        ReservedOccupations::from_keys(profiles.iter().step_by(4).map(|p| p.key.clone()))
    }

    /// A unit vector per occupation (so same-occupation texts are bi-encoder neighbours),
    /// slightly different per text.
    fn embeddings(texts: &[SyntheticText]) -> Vec<Vec<f32>> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut e = vec![0.01f32; 16];
                e[(Rng::derived(1, &t.occupation).next_u64() % 16) as usize] = 1.0;
                e[i % 16] += 0.05;
                e
            })
            .collect()
    }

    fn build() -> (TrainingTexts, PairSet, ReservedOccupations) {
        let all = profiles();
        let reserved = reserved(&all);
        let config = PairConfig::default();
        let texts = synthesize(&all, &reserved, &config).unwrap();
        let pairs =
            label_pairs(&texts, &embeddings(&texts.resumes), &embeddings(&texts.jobs), &reserved, &config).unwrap();
        (texts, pairs, reserved)
    }

    #[test]
    fn split_is_deterministic_and_roughly_even() {
        let keys: Vec<String> = (0..400).map(|i| format!("{:02}-{:04}.00", 11 + i % 40, i)).collect();
        let first: Vec<PairHalf> = keys.iter().map(|k| half_of(k)).collect();
        let second: Vec<PairHalf> = keys.iter().map(|k| half_of(k)).collect();
        assert_eq!(first, second);
        let eval = first.iter().filter(|h| **h == PairHalf::Eval).count();
        assert!((140..=260).contains(&eval), "{eval} of 400 in the EVAL half");
        assert_eq!(half_of(" 15-1252.00 "), half_of("15-1252.00"), "keys are trimmed as reserved.txt's are");
    }

    #[test]
    fn no_reserved_or_eval_occupation_appears() {
        let (texts, pairs, reserved) = build();
        let all = profiles();
        for text in texts.resumes.iter().chain(&texts.jobs) {
            assert!(!reserved.contains(&text.occupation), "reserved {} in the texts", text.occupation);
            assert_eq!(half_of(&text.occupation), PairHalf::Train, "{} is not in the TRAIN half", text.occupation);
        }
        // No reserved or EVAL occupation's own words leak into any text either.
        let excluded: Vec<&SourceOccupation> =
            all.iter().filter(|p| reserved.contains(&p.key) || half_of(&p.key) == PairHalf::Eval).collect();
        assert!(excluded.len() > 20, "the fixture must exercise the exclusions");
        for p in &pairs.pairs {
            for text in [&texts.resumes[p.resume].text, &texts.jobs[p.job].text] {
                assert!(excluded.iter().all(|e| !text.contains(&format!("w{} ", e.key))), "{text}");
            }
        }
    }

    #[test]
    fn counts_add_up() {
        let (texts, _, _) = build();
        let onet = texts.counts[&Classification::Onet];
        assert_eq!(onet.read, 61);
        assert_eq!(onet.reserved_dropped + onet.eval_half + onet.train_half, onet.read);
        assert_eq!(onet.used + onet.too_few_duties, onet.train_half);
        let esco = texts.counts[&Classification::Esco];
        assert_eq!(texts.resumes.len(), onet.used * 2 + esco.used * 3);
        assert_eq!(texts.jobs.len(), onet.used + esco.used * 2);
        assert!(onet.used > 0 && esco.used > 0);
    }

    #[test]
    fn labels_follow_occupations_and_negatives_are_never_same_occupation() {
        let (texts, pairs, _) = build();
        assert!(!pairs.pairs.is_empty());
        for p in &pairs.pairs {
            let same = texts.resumes[p.resume].occupation == texts.jobs[p.job].occupation;
            assert_eq!(same, p.kind == PairKind::Positive, "{p:?}");
        }
        let counts = pairs.kind_counts();
        let positives = counts[&PairKind::Positive];
        let negatives: usize = counts.iter().filter(|(k, _)| **k != PairKind::Positive).map(|(_, n)| n).sum();
        assert_eq!(positives, texts.positives.iter().map(Vec::len).sum::<usize>(), "every positive pair once");
        assert_eq!(negatives + pairs.missing_negatives, positives * 3, "1:3 as configured");
        assert!(counts.contains_key(&PairKind::MinedBm25) && counts.contains_key(&PairKind::InBatch));
    }

    #[test]
    fn building_repeats_exactly() {
        let (texts_a, pairs_a, _) = build();
        let (texts_b, pairs_b, _) = build();
        assert_eq!(texts_a, texts_b);
        assert_eq!(pairs_a, pairs_b);
    }

    #[test]
    fn bad_input_is_an_error() {
        let all = profiles();
        let reserved = reserved(&all);
        let mut twice = all.clone();
        twice.push(all[1].clone());
        assert!(synthesize(&twice, &reserved, &PairConfig::default()).unwrap_err().to_string().contains("twice"));
        let texts = synthesize(&all, &reserved, &PairConfig::default()).unwrap();
        let short = embeddings(&texts.resumes[1..]);
        assert!(label_pairs(&texts, &short, &embeddings(&texts.jobs), &reserved, &PairConfig::default()).is_err());
        let greedy = PairConfig { hard_negatives: 6, ..PairConfig::default() };
        let (r, j) = (embeddings(&texts.resumes), embeddings(&texts.jobs));
        assert!(label_pairs(&texts, &r, &j, &reserved, &greedy).is_err());
    }

    #[test]
    fn no_profiles_give_no_pairs() {
        let reserved = ReservedOccupations::from_keys(["x"]);
        let texts = synthesize(&[], &reserved, &PairConfig::default()).unwrap();
        assert!(texts.resumes.is_empty() && texts.counts.is_empty());
        let pairs = label_pairs(&texts, &[], &[], &reserved, &PairConfig::default()).unwrap();
        assert!(pairs.pairs.is_empty());
    }
}

/// One line of a run's pairs.jsonl: the texts, label, kind and both occupations of a pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairRecord {
    pub resume: String,
    pub job: String,
    pub label: f32,
    pub kind: String,
    pub resume_occupation: String,
    pub job_occupation: String,
}

/// Writes `set` as JSON lines of [`PairRecord`].
pub fn write_pair_file(path: &Path, texts: &TrainingTexts, set: &PairSet) -> Result<()> {
    let mut lines = String::new();
    for pair in &set.pairs {
        let (resume, job) = (&texts.resumes[pair.resume], &texts.jobs[pair.job]);
        let record = PairRecord {
            resume: resume.text.clone(),
            job: job.text.clone(),
            label: pair.kind.label(),
            kind: pair.kind.name().into(),
            resume_occupation: resume.occupation.clone(),
            job_occupation: job.occupation.clone(),
        };
        lines.push_str(&serde_json::to_string(&record).expect("plain data serialises"));
        lines.push('\n');
    }
    std::fs::write(path, lines).map_err(|e| EngineError::InvalidInput(format!("cannot write {}: {e}", path.display())))
}

/// Reads a pairs.jsonl written by [`write_pair_file`]; an empty file is an error.
pub fn read_pair_file(path: &Path) -> Result<Vec<PairRecord>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| EngineError::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
    let pairs: Vec<PairRecord> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .map_err(|e| EngineError::InvalidInput(format!("{} line {}: {e}", path.display(), i + 1)))
        })
        .collect::<Result<_>>()?;
    if pairs.is_empty() {
        return Err(EngineError::InvalidInput(format!("{} holds no pairs", path.display())));
    }
    Ok(pairs)
}
