//! One hold-out-by-source fold (DATA.md §6): what the title encoder trains on and what tests
//! it, kept apart.
//!
//! - `bls`: train without any BLS A–Z title; test on the held-out half of the BLS titles of
//!   O*NET occupations (the same titles `occupation_accuracy` measures as source Bls).
//! - `esco-group`: train without any label of a fixed fifth of the ESCO occupations (chosen
//!   by hash of the URI); test on the held-out half of their labels, against the ESCO index.
//!
//! In both, a training text whose [`title_key`] equals a test title's is dropped (so no test
//! title is trained on under another source or spelling), and reserved occupations give
//! nothing: no prototype (so not even a negative), no example, and no text whose key names
//! one (DATA.md §5). Positives: each title with its occupation's prototype (the canonical name
//! and the index half of its training labels, as inference indexes them), the name itself
//! included; ONS titles of one unit group pair with each other.

use std::collections::{BTreeMap, HashMap, HashSet};

use clap::ValueEnum;

use crate::occupations::held_out::{half, Half};
use crate::occupations::labels::{LabelledOccupation, Taxonomies, TitleSource};
use resonance_engine::hash::fnv1a_64;
use resonance_engine::skills::occupation::title_key;

/// The source a fold holds out.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeldOutSource {
    Bls,
    EscoGroup,
}

impl HeldOutSource {
    pub fn name(self) -> &'static str {
        match self {
            Self::Bls => "bls",
            Self::EscoGroup => "esco-group",
        }
    }

    /// The taxonomy its test titles are inferred against.
    pub fn test_taxonomy(self) -> Taxonomy {
        match self {
            Self::Bls => Taxonomy::Onet,
            Self::EscoGroup => Taxonomy::Esco,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Taxonomy {
    Onet,
    Esco,
}

/// Share of ESCO occupations (per mille) whose labels the esco-group fold holds out: a
/// fifth leaves most labels for training and still tests about 2,000 titles.
const ESCO_GROUP_PER_MILLE: u64 = 200;

/// Whether the esco-group fold holds out this ESCO occupation. Salted, so the group does not
/// line up with `held_out::half`'s hash of title keys.
pub fn in_esco_group(uri: &str) -> bool {
    fnv1a_64(format!("esco-group {uri}").as_bytes()) % 1000 < ESCO_GROUP_PER_MILLE
}

/// Hard negatives kept per occupation: enough to cover its SOC minor group's closest
/// members and its look-alike names, few enough that they stay the hardest ones.
const MAX_HARD_NEGATIVES: usize = 12;

/// What never enters training: occupations reserved by reserved.txt or by its rule, and
/// the title keys naming them (their names and labels).
pub struct Exclusions {
    pub occupations: HashSet<String>,
    pub title_keys: HashSet<String>,
}

impl Exclusions {
    /// From the reserved keys (list and rule) and every labelled occupation.
    pub fn new(reserved: impl Fn(&str) -> bool, taxonomies: &Taxonomies) -> Self {
        let all = taxonomies.onet.iter().chain(&taxonomies.esco);
        let occupations: HashSet<String> = all.clone().filter(|o| reserved(&o.key)).map(|o| o.key.clone()).collect();
        let title_keys = all.filter(|o| occupations.contains(&o.key)).flat_map(all_title_keys).collect();
        Self { occupations, title_keys }
    }
}

fn all_title_keys(o: &LabelledOccupation) -> impl Iterator<Item = String> + '_ {
    std::iter::once(title_key(&o.name)).chain(o.titles.iter().map(|(t, _)| title_key(t)))
}

/// An occupation as training sees it: texts[0] is the canonical name.
#[derive(Debug, Clone, PartialEq)]
pub struct Prototype {
    pub key: String,
    pub taxonomy: Taxonomy,
    pub texts: Vec<String>,
    /// Prototypes (indices) the loss weighs up as negatives of this one.
    pub hard_negatives: Vec<usize>,
}

/// A title and the prototype it names.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleExample {
    pub title: String,
    pub prototype: usize,
}

/// A held-out test title and its occupation (index into the test taxonomy's list).
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub title: String,
    pub truth: usize,
}

pub struct Fold {
    pub source: HeldOutSource,
    pub prototypes: Vec<Prototype>,
    pub examples: Vec<TitleExample>,
    /// ONS unit groups' titles (two or more each): title-title positives.
    pub ons_groups: Vec<Vec<String>>,
    pub probes: Vec<Probe>,
}

impl Fold {
    /// (title, occupation) positives plus ONS titles (each pairs with its group).
    pub fn pairs(&self) -> usize {
        self.examples.len() + self.ons_groups.iter().map(Vec::len).sum::<usize>()
    }
}

/// Builds the fold's training and test sets.
pub fn build_fold(
    source: HeldOutSource,
    taxonomies: &Taxonomies,
    ons: &BTreeMap<String, Vec<String>>,
    exclusions: &Exclusions,
) -> Fold {
    let probes = probes(source, taxonomies, exclusions);
    let test_occupations = test_occupations(source, taxonomies, exclusions);
    let mut forbidden: HashSet<String> = exclusions.title_keys.clone();
    forbidden.extend(probes.iter().map(|p| title_key(&p.title)));
    // The held-out ESCO group's labels, in either half, may reach training through the
    // O*NET occupations that borrow ESCO labels (labels.rs): forbidden by key.
    forbidden.extend(test_occupations.iter().flat_map(|o| o.titles.iter().map(|(t, _)| title_key(t))));
    let allowed = |title: &str, from: TitleSource| !(source == HeldOutSource::Bls && from == TitleSource::Bls) && !forbidden.contains(&title_key(title));

    let mut prototypes = Vec::new();
    let mut examples = Vec::new();
    for (taxonomy, occupations) in [(Taxonomy::Onet, &taxonomies.onet), (Taxonomy::Esco, &taxonomies.esco)] {
        for o in occupations.iter().filter(|o| !exclusions.occupations.contains(&o.key)) {
            let titles: Vec<&(String, TitleSource)> = o.titles.iter().filter(|(t, s)| allowed(t, *s)).collect();
            let labels = titles.iter().filter(|(t, _)| half(t) == Half::Index).map(|(t, _)| t.clone());
            let texts: Vec<String> = std::iter::once(o.name.clone()).chain(labels).collect();
            let prototype = prototypes.len();
            let queries = std::iter::once(&o.name).chain(titles.iter().map(|(t, _)| t));
            examples.extend(queries.map(|t| TitleExample { title: t.clone(), prototype }));
            prototypes.push(Prototype { key: o.key.clone(), taxonomy, texts, hard_negatives: Vec::new() });
        }
    }
    mine_hard_negatives(&mut prototypes);
    let ons_groups = ons
        .values()
        .map(|titles| titles.iter().filter(|t| !forbidden.contains(&title_key(t))).cloned().collect::<Vec<_>>())
        .filter(|titles| titles.len() >= 2)
        .collect();
    Fold { source, prototypes, examples, ons_groups, probes }
}

/// The occupations whose titles the fold holds out entirely (esco-group only).
fn test_occupations<'t>(source: HeldOutSource, taxonomies: &'t Taxonomies, exclusions: &Exclusions) -> Vec<&'t LabelledOccupation> {
    match source {
        HeldOutSource::Bls => Vec::new(),
        HeldOutSource::EscoGroup => taxonomies
            .esco
            .iter()
            .filter(|o| in_esco_group(&o.key) && !exclusions.occupations.contains(&o.key))
            .collect(),
    }
}

/// The test titles: held-out halves only, so the index (name + index half) never holds them.
fn probes(source: HeldOutSource, taxonomies: &Taxonomies, exclusions: &Exclusions) -> Vec<Probe> {
    let (occupations, wanted): (&[LabelledOccupation], fn(&LabelledOccupation, TitleSource) -> bool) = match source {
        HeldOutSource::Bls => (&taxonomies.onet, |_, s| s == TitleSource::Bls),
        HeldOutSource::EscoGroup => (&taxonomies.esco, |o, _| in_esco_group(&o.key)),
    };
    occupations
        .iter()
        .enumerate()
        .filter(|(_, o)| !exclusions.occupations.contains(&o.key))
        .flat_map(|(truth, o)| {
            o.held_out_titles()
                .into_iter()
                .filter(move |(_, s)| wanted(o, *s))
                .map(move |(t, _)| Probe { title: t.to_string(), truth })
        })
        .collect()
}

/// For each prototype, the most confusable others of its taxonomy: O*NET occupations of
/// the same SOC minor group ("29-1"), and names sharing words ("Sales Managers" /
/// "Financial Managers"), ranked by shared words (Jaccard) plus one for a sibling.
fn mine_hard_negatives(prototypes: &mut [Prototype]) {
    let words: Vec<HashSet<String>> = prototypes.iter().map(|p| title_key(&p.texts[0]).split(' ').map(String::from).collect()).collect();
    let mut by_word: HashMap<(Taxonomy, &str), Vec<usize>> = HashMap::new();
    for (i, w) in words.iter().enumerate() {
        for word in w {
            by_word.entry((prototypes[i].taxonomy, word.as_str())).or_default().push(i);
        }
    }
    let mut by_minor_group: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in prototypes.iter().enumerate().filter(|(_, p)| p.taxonomy == Taxonomy::Onet) {
        by_minor_group.entry(soc_minor_group(&p.key)).or_default().push(i);
    }
    let mined: Vec<Vec<usize>> = (0..prototypes.len())
        .map(|i| {
            let p = &prototypes[i];
            let siblings: HashSet<usize> = match p.taxonomy {
                Taxonomy::Onet => by_minor_group[soc_minor_group(&p.key)].iter().copied().collect(),
                Taxonomy::Esco => HashSet::new(),
            };
            let look_alikes = words[i].iter().flat_map(|w| by_word[&(p.taxonomy, w.as_str())].iter().copied());
            let mut scored: Vec<(f32, usize)> = siblings
                .iter()
                .copied()
                .chain(look_alikes)
                .collect::<HashSet<usize>>()
                .into_iter()
                .filter(|&j| j != i)
                .map(|j| (jaccard(&words[i], &words[j]) + f32::from(u8::from(siblings.contains(&j))), j))
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            scored.into_iter().take(MAX_HARD_NEGATIVES).map(|(_, j)| j).collect()
        })
        .collect();
    for (p, hard) in prototypes.iter_mut().zip(mined) {
        p.hard_negatives = hard;
    }
}

/// "29-1141.00" -> "29-1": SOC's minor group is the major group and the next digit.
fn soc_minor_group(code: &str) -> &str {
    code.get(..4).unwrap_or(code)
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    let shared = a.intersection(b).count() as f32;
    shared / ((a.len() + b.len()) as f32 - shared)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occupation(key: &str, name: &str, titles: &[(&str, TitleSource)]) -> LabelledOccupation {
        let mut o = LabelledOccupation::new(key, name);
        for (t, s) in titles {
            o.add(t, *s);
        }
        o
    }

    /// Titles of both halves for one O*NET nurse occupation, from both sources.
    const NURSE_TITLES: [&str; 8] =
        ["staff nurse", "charge nurse", "floor nurse", "clinical nurse", "ward nurse", "duty nurse", "shift nurse", "head nurse"];

    fn taxonomies() -> Taxonomies {
        let bls: Vec<(&str, TitleSource)> = NURSE_TITLES.iter().map(|t| (*t, TitleSource::Bls)).collect();
        let onet = vec![
            occupation("29-1141.00", "Registered Nurses", &bls),
            occupation("29-1171.00", "Nurse Practitioners", &[("advanced practice nurse", TitleSource::Esco)]),
            occupation("11-1011.00", "Chief Executives", &[("chief executive officer", TitleSource::Bls)]),
            occupation("53-7062.00", "Laborers and Freight, Stock, and Material Movers", &[("staff nurse", TitleSource::Esco)]),
        ];
        let esco_keys: Vec<String> = (0..40).map(|i| format!("u{i}")).collect();
        let esco = esco_keys
            .iter()
            .map(|k| occupation(k, &format!("occupation {k}"), &[(&format!("{k} label one"), TitleSource::Esco), (&format!("{k} label two"), TitleSource::Esco)]))
            .collect();
        Taxonomies { onet, esco, profiles: HashMap::new() }
    }

    fn exclusions(t: &Taxonomies) -> Exclusions {
        Exclusions::new(|k| k == "11-1011.00", t)
    }

    #[test]
    fn the_bls_fold_trains_on_no_bls_title_and_tests_on_held_out_bls_titles() {
        let t = taxonomies();
        let fold = build_fold(HeldOutSource::Bls, &t, &BTreeMap::new(), &exclusions(&t));
        let held: Vec<&str> = NURSE_TITLES.iter().copied().filter(|n| half(n) == Half::HeldOut).collect();
        assert!(!held.is_empty());
        assert_eq!(fold.probes.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), held);
        assert!(fold.probes.iter().all(|p| p.truth == 0));
        let trained: HashSet<&str> = fold.examples.iter().map(|e| e.title.as_str()).chain(fold.prototypes.iter().flat_map(|p| p.texts.iter().map(String::as_str))).collect();
        assert!(held.iter().all(|n| !trained.contains(n)), "no test title, nor another source's copy of one");
        assert_eq!(fold.prototypes[0].texts, vec!["Registered Nurses".to_string()], "no BLS label");
        assert!(fold.examples.iter().filter(|e| e.prototype == 0).all(|e| e.title == "Registered Nurses"));
        assert!(trained.contains("advanced practice nurse"));
    }

    #[test]
    fn reserved_occupations_give_no_prototype_example_or_negative() {
        let t = taxonomies();
        let fold = build_fold(HeldOutSource::EscoGroup, &t, &BTreeMap::new(), &exclusions(&t));
        assert!(fold.prototypes.iter().all(|p| p.key != "11-1011.00"));
        assert!(fold.examples.iter().all(|e| !e.title.to_lowercase().contains("chief executive")));
        let onet: HashSet<usize> = (0..fold.prototypes.len()).filter(|&i| fold.prototypes[i].taxonomy == Taxonomy::Onet).collect();
        let nurse = fold.prototypes.iter().position(|p| p.key == "29-1141.00").unwrap();
        assert!(fold.prototypes[nurse].hard_negatives.iter().all(|j| onet.contains(j)), "negatives stay in the taxonomy");
        let practitioner = fold.prototypes.iter().position(|p| p.key == "29-1171.00").unwrap();
        assert_eq!(fold.prototypes[nurse].hard_negatives[0], practitioner, "same minor group and a shared word");
    }

    #[test]
    fn the_esco_group_fold_holds_out_whole_occupations() {
        let t = taxonomies();
        let fold = build_fold(HeldOutSource::EscoGroup, &t, &BTreeMap::new(), &exclusions(&t));
        let group: Vec<&str> = t.esco.iter().filter(|o| in_esco_group(&o.key)).map(|o| o.key.as_str()).collect();
        assert!(!group.is_empty() && group.len() < 40, "{group:?}");
        for p in &fold.prototypes {
            if group.contains(&p.key.as_str()) {
                assert_eq!(p.texts.len(), 1, "only the name: {p:?}");
            }
            assert!(p.texts[1..].iter().all(|l| half(l) == Half::Index), "{p:?}");
        }
        assert!(fold.examples.iter().all(|e| !group.iter().any(|k| e.title.starts_with(&format!("{k} label")))));
        assert!(fold.probes.iter().all(|p| in_esco_group(&t.esco[p.truth].key)));
        assert!(!fold.probes.is_empty());
    }

    #[test]
    fn ons_titles_keep_their_group_without_test_or_reserved_keys() {
        let t = taxonomies();
        let ons = BTreeMap::from([
            ("2231".to_string(), vec!["ward sister".to_string(), "theatre sister".to_string()]),
            ("1115".to_string(), vec!["chief executive officer".to_string(), "managing director".to_string()]),
        ]);
        let fold = build_fold(HeldOutSource::Bls, &t, &ons, &exclusions(&t));
        assert_eq!(fold.ons_groups, vec![vec!["ward sister".to_string(), "theatre sister".to_string()]]);
        assert_eq!(fold.pairs(), fold.examples.len() + 2);
    }
}
