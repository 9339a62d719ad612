//! The "technology vote" stage: which skill-extractor names become technologies, and their aliases.

use super::*;

/// Suffix words that make a tech name a spelling of its base ("python programming" ->
/// Python): such names become aliases of the base instead of new skills.
pub(super) const GENERIC_SUFFIXES: &[&str] =
    &["programming", "language", "development", "framework", "library", "software", "tool", "tools", "platform", "db", "scripting"];

/// A skill-extractor name that is not yet a skill, waiting for the technology vote.
#[derive(Debug, Clone)]
pub(super) struct TechCandidate {
    /// skill-extractor's lowercase name, with ESCO's casing where every word has one.
    pub(super) display: String,
    /// One word that ESCO never uses ("matplotlib", "vitest", "guidewire"): a product
    /// name, kept without the vote, which cannot place words the encoder does not know.
    pub(super) product_name: bool,
}

/// A product name: one word of at least `MIN_PRODUCT_CHARS` characters that ESCO's texts
/// never use; if hyphenated, some part must be unknown too ("self-motivated" is not).
pub(super) fn is_product_name(name: &str, esco_words: &HashSet<String>) -> bool {
    const MIN_PRODUCT_CHARS: usize = 4;
    !name.contains(' ')
        && name.len() >= MIN_PRODUCT_CHARS
        && !esco_words.contains(name)
        && name.split('-').any(|part| !esco_words.contains(part))
}

/// What the lexical pass over skill-extractor's names produced.
#[derive(Debug, Default)]
pub(super) struct TechNames {
    pub(super) new_candidates: Vec<TechCandidate>,
    /// (base name, alias) pairs from versions, abbreviations and generic suffixes.
    pub(super) aliases: Vec<(String, String)>,
    pub(super) compounds: Vec<Compound>,
    /// Entries dropped by the lexical rule, by reason.
    pub(super) dropped: BTreeMap<&'static str, usize>,
    /// Entries that were already a skill's name or alias.
    pub(super) merged: usize,
}

/// Applies the lexical rule to every skill-extractor name: names already known merge now,
/// versions and abbreviations become aliases, compounds are kept for relations, and the
/// rest are candidates for the vote.
pub(super) fn classify_skill_extractor(sources: &Sources, vocabulary: &EscoVocabulary, set: &mut SkillSet) -> TechNames {
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
            LexicalVerdict::Candidate => {
                if let Some(i) = set.find(&name) {
                    set.add_alias(i, &name);
                    out.merged += 1;
                } else if let Some(base) = generic_base(&name, set) {
                    out.aliases.push((base, name));
                } else if seen.insert(name.clone()) {
                    let product_name = is_product_name(&name, esco_words);
                    out.new_candidates.push(TechCandidate { display: display_casing(&name, casing), product_name });
                }
            }
            LexicalVerdict::VersionOf(base) => out.aliases.push((base, name)),
            LexicalVerdict::Abbreviation { name: full, abbreviation } => {
                out.aliases.push((full.clone(), abbreviation));
                if set.find(&full).is_none() && seen.insert(full.clone()) {
                    let product_name = is_product_name(&full, esco_words);
                    out.new_candidates.push(TechCandidate { display: display_casing(&full, casing), product_name });
                }
            }
            LexicalVerdict::Compound => out.compounds.extend(compound(entry)),
            LexicalVerdict::Dropped(reason) => *out.dropped.entry(reason).or_insert(0) += 1,
        }
    }
    out
}

/// The known skill a "<base> <generic suffix>" name spells, if any.
pub(super) fn generic_base(name: &str, set: &SkillSet) -> Option<String> {
    let (base, last) = name.rsplit_once(' ')?;
    (GENERIC_SUFFIXES.contains(&last) && set.find(base).is_some()).then(|| base.to_string())
}

/// Words of ESCO's texts.
pub(super) struct EscoVocabulary {
    /// Used as ordinary lowercase words, at least twice.
    pub(super) common: HashSet<String>,
    /// Lowercase word -> its most frequent cased form, where that is not lowercase.
    pub(super) casing: HashMap<String, String>,
    /// Every word seen, lowercased.
    pub(super) seen: HashSet<String>,
}

/// Collects the vocabulary of ESCO's texts.
pub(super) fn esco_vocabulary(sources: &Sources) -> EscoVocabulary {
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
pub(super) const VOTE_SWEEP: &[f64] = &[0.2, 0.3, 0.4, 0.5];

/// The technology vote: each candidate's share of ICT skills among its `tech_vote_k`
/// nearest ESCO skills (kept when at least `tech_vote_share`). Also measures the vote for
/// several shares, leave-one-out on ESCO and on the curated technologies, into `report`.
pub(super) fn technology_vote(
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
pub(super) fn add_technologies(
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
