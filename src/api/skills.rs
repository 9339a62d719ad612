//! `resonance_extract_skills` and `resonance_related_skills` over the backend's skill index.

use pgrx::prelude::*;
use pgrx::Uuid;

use crate::postgres::stats;
use crate::postgres::error::raise;
use crate::postgres::skill_cache::skills;
use resonance_engine::error::EngineError;
use resonance_engine::skills::{char_positions, distinct_skills};

/// Taxonomy skills named in `input` (labels and aliases, case-insensitive, whole tokens,
/// longest match first), with 1-based character positions, both ends inclusive.
#[pg_extern(stable, strict, parallel_safe)]
fn resonance_extract_skills(
    input: &str,
) -> TableIterator<'static, (name!(skill_id, Uuid), name!(name, String), name!(start_pos, i32), name!(end_pos, i32))> {
    let _call = stats::Call::start("resonance_extract_skills");
    let loaded = skills();
    let matches = loaded.index.extract(input);
    let spans = char_positions(input, &matches).unwrap_or_else(|e| raise(e));
    let rows: Vec<_> = matches
        .iter()
        .zip(spans)
        .map(|(m, span)| {
            (loaded.uuid(m.skill), loaded.index.name(m.skill).to_string(), span.start_pos as i32, span.end_pos as i32)
        })
        .collect();
    TableIterator::new(rows)
}

/// Bounds that keep one call cheap: the graph is dense near popular skills, and six hops
/// already reach most of it.
const MAX_DEPTH: i32 = 6;
const MAX_RESULTS: i32 = 1000;

/// Skills reachable from `skill` (a name or alias) within `max_depth` hops, strongest
/// first; weight is the product of edge weights with a decay per extra hop. An unknown
/// skill gives no rows.
#[pg_extern(stable, strict, parallel_safe)]
fn resonance_related_skills(
    skill: &str,
    max_depth: default!(i32, 2),
    max_results: default!(i32, 10),
) -> TableIterator<'static, (name!(name, String), name!(relation, String), name!(weight, f32), name!(depth, i32))> {
    let _call = stats::Call::start("resonance_related_skills");
    if !(1..=MAX_DEPTH).contains(&max_depth) {
        raise(EngineError::InvalidInput(format!("max_depth must be from 1 to {MAX_DEPTH}, got {max_depth}")));
    }
    if !(1..=MAX_RESULTS).contains(&max_results) {
        raise(EngineError::InvalidInput(format!("max_results must be from 1 to {MAX_RESULTS}, got {max_results}")));
    }
    let loaded = skills();
    let related = loaded.index.related(skill, max_depth as usize, max_results as usize).unwrap_or_else(|e| raise(e));
    let rows: Vec<_> = related
        .iter()
        .map(|r| (loaded.index.name(r.skill).to_string(), r.relation.as_str().to_string(), r.weight, r.depth as i32))
        .collect();
    TableIterator::new(rows)
}

#[pg_schema]
mod resonance {
    use super::*;

    /// The distinct taxonomy skills `document` names, in order of first mention: what the
    /// job trigger stores in resonance.jobs.skill_ids so that resonance_match need not
    /// extract every candidate's text again.
    #[pg_extern(stable, strict, parallel_safe)]
    fn job_skill_ids(document: &str) -> Vec<Uuid> {
        let loaded = skills();
        distinct_skills(&loaded.index.extract(document)).into_iter().map(|s| loaded.uuid(s)).collect()
    }
}
