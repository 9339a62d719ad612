//! The backend's copy of the skill taxonomy (automaton, graph, occupation profiles), built
//! from the kg_* tables on first use and rebuilt when resonance.kg_version moves
//! (`kg_version::PerVersion`). Read-only: works on a hot standby.

use std::collections::HashMap;
use std::rc::Rc;

use pgrx::prelude::*;
use pgrx::Uuid;

use crate::postgres::error::{OrRaise, raise};
use crate::postgres::kg_version::PerVersion;
use resonance_engine::skills::{AmbiguityRules, OccupationProfile, Relation, SkillEdge, SkillId, SkillIndex, SkillRecord};

/// What an SPI failure in this file was doing (`OrRaise`).
const READING_TAXONOMY: &str = "reading the skill taxonomy";

/// The index with the uuid of each SkillId.
pub struct LoadedSkills {
    pub index: SkillIndex,
    pub ids: Vec<Uuid>,
}

thread_local! {
    static SKILLS: PerVersion<LoadedSkills> = const { PerVersion::new() };
}

/// The taxonomy as of now, rebuilding it if the tables changed since it was built.
pub fn skills() -> Rc<LoadedSkills> {
    SKILLS.with(|cache| cache.get(load))
}

fn load() -> LoadedSkills {
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
        let index =
            SkillIndex::build(&records, &edges, &occupations, &AmbiguityRules::default()).unwrap_or_else(|e| raise(e));
        LoadedSkills { index, ids }
    })
}
