//! The "derive relations" stage: PART_OF, co-requirement, similarity and REQUIRES edges, merged.

use super::*;

/// O*NET: each DWA is PART_OF its GWA.
pub(super) fn part_of_edges(onet: &OnetData, index: &HashMap<String, usize>, set: &SkillSet) -> Vec<SkillRelation> {
    onet.dwas
        .values()
        .filter_map(|d| {
            let (a, b) = (*index.get(&d.id)?, *index.get(&d.gwa_id)?);
            (a != b).then(|| relation(set, a, b, RelationKind::PartOf, 1.0, "onet_dwa_gwa"))
        })
        .collect()
}

/// A relation row between skill indices.
pub(super) fn relation(set: &SkillSet, a: usize, b: usize, kind: RelationKind, weight: f32, source: &str) -> SkillRelation {
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
pub(super) fn cooccurrence_edges(
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
pub(super) fn essential_skills(o: &IctOccupation, esco_index: &HashMap<String, usize>, set: &SkillSet) -> Vec<usize> {
    o.skill_uris
        .iter()
        .enumerate()
        .filter_map(|(k, uri)| esco_index.get(uri).copied().or_else(|| set.find(o.skill_labels.get(k)?)))
        .collect()
}

/// (label, alias) pairs of the ICT skills whose alias differs from the label: synonym
/// pairs, the positives for the similarity-threshold measurement.
pub(super) fn ict_alias_pairs(skills: &[IctSkill]) -> Vec<(String, String)> {
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

/// RELATED_TO by embedding: each skill's `similarity_k` nearest skills with cosine at
/// least `similarity_threshold`, both directions, plus the measurement.
pub(super) fn similarity_edges(
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
pub(super) fn requires_edges(set: &SkillSet, tech: &TechNames) -> Vec<RequiresEdge> {
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
pub(super) fn requires_samples(set: &SkillSet, edges: &[RequiresEdge]) -> Vec<(String, String, &'static str)> {
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
pub(super) fn merge_relations(relations: Vec<SkillRelation>) -> Vec<SkillRelation> {
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
