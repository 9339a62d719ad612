//! The skill taxonomy (automaton, graph, occupation profiles) as backends use it: a snapshot
//! file per taxonomy stamp (`index_file`), built from the kg_* tables by the first backend
//! that needs it and mapped by every backend after. Each backend keeps its open index while
//! the stamp stands (`kg_version::PerVersion`). Read-only apart from that file: works on a
//! hot standby.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use pgrx::prelude::*;
use pgrx::Uuid;

use crate::postgres::error::{raise, OrRaise};
use crate::postgres::index_file;
use crate::postgres::kg_version::{lock_whole_taxonomy, CurrentTaxonomy, PerVersion, TaxonomyStamp};
use crate::postgres::stats::{self, Counter};
use resonance_engine::skills::{
    AmbiguityRules, OccupationProfile, Relation, SkillEdge, SkillId, SkillIndex, SkillRecord,
};
use resonance_engine::error::{EngineError, Result};
use resonance_engine::explain::SkillEvidence;
use resonance_engine::matching::{JobText, ResumeText, SkillScorer};
use resonance_engine::snapshot::{Column, SharedBytes, SnapshotWriter};

/// What an SPI failure in this file was doing (`OrRaise`).
const READING_TAXONOMY: &str = "reading the skill taxonomy";

/// The snapshot section holding each skill's kg_skills uuid (16 bytes per skill).
const UUID_SECTION: &str = "postgres.skill_uuid";

/// Serialises index builds within a database (pg_advisory_xact_lock's two-key form: the
/// first key is this extension's, "RESO").
const BUILD_LOCK: (i32, i32) = (0x5245_534f, 1);

/// The index with the uuid of each SkillId.
pub struct LoadedSkills {
    pub index: SkillIndex,
    uuids: Column<u8>,
}

impl LoadedSkills {
    fn open(bytes: SharedBytes) -> Result<Self> {
        let index = SkillIndex::open(bytes)?;
        let uuids = index.snapshot().bytes(UUID_SECTION)?;
        if uuids.len() != index.len() * 16 {
            let reason = "its uuids do not fit its skills".to_string();
            return Err(EngineError::Io { what: "skill index file".into(), reason });
        }
        Ok(LoadedSkills { index, uuids })
    }

    /// The SkillIds of stored kg_skills ids (resonance.jobs.skill_ids); None if one is not
    /// in this index (stored under another taxonomy: the caller extracts anew). The uuids
    /// are in kg_skills id order (`read_taxonomy`), which is byte order, so a binary search
    /// finds each.
    pub fn skill_ids(&self, stored: &[Uuid]) -> Option<Vec<SkillId>> {
        let all = self.uuids.view();
        let all = all.as_slice();
        stored
            .iter()
            .map(|u| {
                let (mut lo, mut hi) = (0, all.len() / 16);
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    match all[mid * 16..mid * 16 + 16].cmp(u.as_bytes().as_slice()) {
                        std::cmp::Ordering::Less => lo = mid + 1,
                        std::cmp::Ordering::Greater => hi = mid,
                        std::cmp::Ordering::Equal => return Some(SkillId(mid as u32)),
                    }
                }
                None
            })
            .collect()
    }

    /// The kg_skills id of `skill`.
    pub fn uuid(&self, skill: SkillId) -> Uuid {
        let start = skill.index() * 16;
        let mut id = [0u8; 16];
        id.copy_from_slice(&self.uuids.view().as_slice()[start..start + 16]);
        Uuid::from_bytes(id)
    }
}

thread_local! {
    static SKILLS: PerVersion<LoadedSkills> = const { PerVersion::new() };
}

/// The taxonomy as of now, opening (or building) its index file if the tables changed since
/// this backend last looked. ERROR 42501 for a user whose view of a kg_* table row-level
/// security filters (`CurrentTaxonomy::seen_whole`): the index is the whole taxonomy's.
pub fn skills() -> Rc<LoadedSkills> {
    SKILLS.with(|cache| cache.get(load))
}

/// The taxonomy the caller has just read (`kg_version::current_stamp`); refused as `skills`.
pub fn skills_at(taxonomy: CurrentTaxonomy) -> Rc<LoadedSkills> {
    SKILLS.with(|cache| cache.get_at(taxonomy.seen_whole(), load))
}

impl SkillScorer for LoadedSkills {
    fn evidence(&self, resume: ResumeText<'_>, jobs: &[JobText<'_>]) -> Vec<SkillEvidence> {
        self.index.evidence(resume, jobs)
    }
}

/// The index of `stamp`, counted in the statistics.
fn load(stamp: TaxonomyStamp) -> LoadedSkills {
    let loaded = find_or_build(&stamp);
    stats::opened_taxonomy(stamp.version);
    loaded
}

/// The index of `stamp`: its file mapped when there is one, else built (once per server:
/// others wait on the lock, then map what was written).
fn find_or_build(stamp: &TaxonomyStamp) -> LoadedSkills {
    let path = index_file::path_for(stamp);
    if let Some(loaded) = open_file(&path, Damage::Warn) {
        return loaded;
    }
    Spi::connect(|client| {
        client
            .select("SELECT pg_advisory_xact_lock($1, $2)", None, &[BUILD_LOCK.0.into(), BUILD_LOCK.1.into()])
            .or_raise("waiting for another backend's skill index build");
    });
    // Another backend may have written it while this one waited; a damaged file was
    // reported already.
    if let Some(loaded) = open_file(&path, Damage::Quiet) {
        return loaded;
    }
    let bytes = build();
    stats::count(Counter::SkillIndexBuilds, 1);
    match index_file::publish(stamp, &bytes) {
        Ok(()) => {
            if let Some(loaded) = open_file(&path, Damage::Warn) {
                return loaded;
            }
        }
        Err(e) => warning!(
            "resonance: could not write the skill index file {}: {e}; this backend keeps its own copy",
            path.display()
        ),
    }
    LoadedSkills::open(Arc::new(bytes)).unwrap_or_else(|e| raise(e))
}

/// Whether `open_file` reports a file it cannot use.
#[derive(Clone, Copy, PartialEq)]
enum Damage {
    Warn,
    Quiet,
}

/// The index in the file at `path`, or None when there is none or it cannot be used: one
/// damaged on disk (its checksum does not match: `snapshot`), truncated, or of another
/// format. Such a file is rebuilt, with a WARNING (unless `Quiet`). Opening verifies the
/// whole file's checksum, once per backend and taxonomy (README, "Memory").
fn open_file(path: &std::path::Path, damage: Damage) -> Option<LoadedSkills> {
    let mapped = match index_file::map(path) {
        Ok(m) => m?,
        Err(e) => {
            if damage == Damage::Warn {
                warning!("resonance: could not read the skill index file {}: {e}; rebuilding it", path.display());
            }
            return None;
        }
    };
    match LoadedSkills::open(Arc::new(mapped)) {
        Ok(loaded) => Some(loaded),
        Err(e) => {
            if damage == Damage::Warn {
                warning!("resonance: the skill index file {} is unusable ({e}); rebuilding it", path.display());
            }
            None
        }
    }
}

/// Reads the taxonomy over SPI and lays it out as an index snapshot with the skills' uuids.
/// The caller was let through by `CurrentTaxonomy::seen_whole`; `lock_whole_taxonomy` keeps
/// row-level security from being switched on before the reads.
fn build() -> Vec<u8> {
    lock_whole_taxonomy();
    let (uuids, records, edges, occupations) = read_taxonomy();
    let mut w = SnapshotWriter::new();
    SkillIndex::write(&mut w, &records, &edges, &occupations, &AmbiguityRules::default()).unwrap_or_else(|e| raise(e));
    let uuid_bytes: Vec<u8> = uuids.iter().flat_map(|u| *u.as_bytes()).collect();
    w.bytes(UUID_SECTION, &uuid_bytes);
    SkillIndex::finish(w)
}

type Taxonomy = (Vec<Uuid>, Vec<SkillRecord>, Vec<SkillEdge>, Vec<OccupationProfile>);

fn read_taxonomy() -> Taxonomy {
    Spi::connect(|client| {
        let mut ids = Vec::new();
        let mut records = Vec::new();
        for row in client
            .select("SELECT id, name, aliases FROM resonance.kg_skills ORDER BY id", None, &[])
            .or_raise(READING_TAXONOMY)
        {
            ids.push(row.get::<Uuid>(1).or_raise(READING_TAXONOMY).expect("primary key"));
            records.push(SkillRecord {
                name: row.get::<String>(2).or_raise(READING_TAXONOMY).unwrap_or_default(),
                aliases: row
                    .get::<Vec<Option<String>>>(3)
                    .or_raise(READING_TAXONOMY)
                    .unwrap_or_default()
                    .into_iter()
                    .flatten()
                    .collect(),
            });
        }
        let position: HashMap<Uuid, SkillId> = ids.iter().enumerate().map(|(i, u)| (*u, SkillId(i as u32))).collect();
        let mut edges = Vec::new();
        for row in client
            .select(
                "SELECT source_skill_id, target_skill_id, relation, weight FROM resonance.kg_skill_relations",
                None,
                &[],
            )
            .or_raise(READING_TAXONOMY)
        {
            let id =
                |i: usize| row.get::<Uuid>(i).or_raise(READING_TAXONOMY).and_then(|u| position.get(&u).copied());
            let (Some(source), Some(target)) = (id(1), id(2)) else { continue };
            let relation = row.get::<String>(3).or_raise(READING_TAXONOMY).unwrap_or_default();
            edges.push(SkillEdge {
                source,
                target,
                relation: Relation::parse(&relation).unwrap_or_else(|e| raise(e)),
                weight: row.get::<f32>(4).or_raise(READING_TAXONOMY).unwrap_or(1.0),
            });
        }
        let mut occupations: Vec<OccupationProfile> = Vec::new();
        for row in client
            .select(
                "SELECT t.name, array_agg(ts.skill_id) FROM resonance.kg_titles t
                   JOIN resonance.kg_title_skills ts ON ts.title_id = t.id GROUP BY t.id, t.name ORDER BY t.id",
                None,
                &[],
            )
            .or_raise(READING_TAXONOMY)
        {
            let skills = row.get::<Vec<Option<Uuid>>>(2).or_raise(READING_TAXONOMY).unwrap_or_default();
            occupations.push(OccupationProfile {
                name: row.get::<String>(1).or_raise(READING_TAXONOMY).unwrap_or_default(),
                skills: skills.into_iter().flatten().filter_map(|u| position.get(&u).copied()).collect(),
            });
        }
        (ids, records, edges, occupations)
    })
}
