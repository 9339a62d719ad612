//! The backend's occupation index for occupation inference: the labels of every kg_titles
//! row that has a skill profile (kg_title_skills), pooled per occupation as the skill index
//! pools profiles (by `title_key`, so an O*NET and an ESCO title of one name are one
//! occupation), with the skills of its profile (which a posting's own skills are compared
//! with). Titles without a profile are left out: matching could not use them (no fit
//! to compute), and as candidates they would only take confidence from those it can. The
//! ESCO labels of O*NET occupations are among those occupations' own labels (build_taxonomy). Built on
//! first use in a backend that infers (a writer, or a call of resonance_infer_occupations)
//! and rebuilt when resonance.kg_version moves; matching never builds it. The labels'
//! embeddings stay in the table: their nearest neighbours come from pgvector's HNSW index.

use std::collections::HashMap;
use std::rc::Rc;

use pgrx::prelude::*;

use crate::postgres::error::{raise, OrRaise, PostgresInterrupt};
use crate::postgres::model_cache::bi_encoder;
use crate::postgres::kg_version::{lock_whole_taxonomy, PerVersion};
use crate::postgres::skill_cache::skills;
use resonance_engine::skills::distinct_skills;
use resonance_engine::occupations::guess::{guesses, OccupationGuess};
use resonance_engine::occupations::inference::{IndexEntry, InferenceParams, OccupationIndex, NEAREST_LABELS};
use resonance_engine::occupations::resume_titles::resume_titles;
use resonance_engine::skills::occupation::title_key;
use resonance_engine::tokenization::has_content;

/// What an SPI failure in this file was doing (`OrRaise`).
const READING_LABELS: &str = "reading the occupation labels";

/// Guesses stored per job or resume: the rest of the mass is small
/// (InferenceParams::temperature).
pub const GUESSES_PER_JOB: usize = 5;

/// The index, with the position in it of each kg_title_labels row.
pub struct LoadedOccupations {
    index: OccupationIndex,
    position: HashMap<i64, u32>,
}

thread_local! {
    static OCCUPATIONS: PerVersion<LoadedOccupations> = const { PerVersion::new() };
}

/// The index as of now, rebuilt if the taxonomy changed since it was built.
fn occupations() -> Rc<LoadedOccupations> {
    OCCUPATIONS.with(|cache| cache.get(|_| load()))
}

/// One title with a profile: its name, its labels (id, text) and its profile's skills.
struct TitleRow {
    name: String,
    labels: Vec<(i64, String)>,
    profile: Vec<String>,
}

fn read_titles() -> Vec<TitleRow> {
    Spi::connect(|client| {
        client
            .select(
                "SELECT t.name, array_agg(l.id ORDER BY l.id), array_agg(l.label ORDER BY l.id),
                        (SELECT array_agg(ts.skill_id::text) FROM resonance.kg_title_skills ts WHERE ts.title_id = t.id)
                   FROM resonance.kg_titles t JOIN resonance.kg_title_labels l ON l.title_id = t.id
                  WHERE EXISTS (SELECT 1 FROM resonance.kg_title_skills ts WHERE ts.title_id = t.id)
                  GROUP BY t.id, t.name ORDER BY t.id",
                None,
                &[],
            )
            .or_raise(READING_LABELS)
            .map(|row| {
                let list = |i| row.get::<Vec<Option<String>>>(i).or_raise(READING_LABELS).unwrap_or_default().into_iter().flatten();
                let ids = row.get::<Vec<Option<i64>>>(2).or_raise(READING_LABELS).unwrap_or_default().into_iter().flatten();
                TitleRow {
                    name: row.get::<String>(1).or_raise(READING_LABELS).unwrap_or_default(),
                    labels: ids.zip(list(3)).collect(),
                    profile: list(4).collect(),
                }
            })
            .collect()
    })
}

/// Built from the whole taxonomy, as the skill index is (`kg_version::lock_whole_taxonomy`):
/// the index serves whichever role is set in this backend later.
fn load() -> LoadedOccupations {
    lock_whole_taxonomy();
    let mut entries: Vec<IndexEntry> = Vec::new();
    let mut label_ids: Vec<Vec<i64>> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for title in read_titles() {
        let key = title_key(&title.name);
        let at = *by_key.entry(key.clone()).or_insert_with(|| {
            entries.push(IndexEntry { key, name: title.name, ..IndexEntry::default() });
            label_ids.push(Vec::new());
            entries.len() - 1
        });
        for (id, label) in title.labels {
            entries[at].labels.push(label);
            label_ids[at].push(id);
        }
        entries[at].profile.extend(title.profile);
    }
    // OccupationIndex::build lays the labels out entry by entry, in this order.
    let position = label_ids.iter().flatten().enumerate().map(|(p, &id)| (id, p as u32)).collect();
    LoadedOccupations { index: OccupationIndex::build(&entries, InferenceParams::default()), position }
}

/// The labels nearest to `embedding`, as positions in the index.
fn nearest_labels(loaded: &LoadedOccupations, embedding: Vec<f32>) -> Vec<(u32, f32)> {
    Spi::connect(|client| {
        client
            .select(
                "SELECT id, cosine FROM resonance.nearest_title_labels($1::real[]::vector, $2)",
                None,
                &[embedding.into(), (NEAREST_LABELS as i32).into()],
            )
            .or_raise(READING_LABELS)
            .filter_map(|row| {
                let id = row.get::<i64>(1).or_raise(READING_LABELS)?;
                let cosine = row.get::<f32>(2).or_raise(READING_LABELS)?;
                loaded.position.get(&id).map(|&p| (p, cosine))
            })
            .collect()
    })
}

/// The distinct taxonomy skills `text` names, as the profiles' keys (kg_skills ids).
fn skills_named(text: &str) -> Vec<String> {
    let loaded = skills();
    distinct_skills(&loaded.index.extract(text)).into_iter().map(|s| loaded.uuid(s).to_string()).collect()
}

/// The most likely occupations of a resume from the titles it states (`resume_titles`: the
/// `title` column, its headline, its roles) and the skills its text names; none when the
/// taxonomy has no labels or the resume neither states a title nor names a skill. The model
/// is loaded only when the resume states a title.
pub fn infer_resume_occupations(text: &str, title: Option<&str>) -> Vec<OccupationGuess> {
    let loaded = occupations();
    let titles = resume_titles(title, text);
    let skills = skills_named(text);
    if loaded.index.is_empty() || (titles.is_empty() && skills.is_empty()) {
        return Vec::new();
    }
    let embeddings = if titles.is_empty() {
        Vec::new()
    } else {
        let refs: Vec<&str> = titles.iter().map(String::as_str).collect();
        bi_encoder().encode_batch(&refs, &PostgresInterrupt).unwrap_or_else(|e| raise(e))
    };
    let nearest: Vec<Vec<(u32, f32)>> = embeddings.into_iter().map(|e| nearest_labels(&loaded, e)).collect();
    let stated: Vec<(&str, Option<&[(u32, f32)]>)> =
        titles.iter().zip(&nearest).map(|(t, n)| (t.as_str(), Some(n.as_slice()))).collect();
    guesses(&loaded.index, &loaded.index.infer_resume(&stated, &skills, GUESSES_PER_JOB))
}

/// The most likely occupations of a job from its `title` and the skills its `description`
/// names; none when the taxonomy has no labels or the title no content (then no model is
/// loaded).
pub fn infer_occupations(title: &str, description: &str) -> Vec<OccupationGuess> {
    let loaded = occupations();
    if loaded.index.is_empty() || !has_content(title) {
        return Vec::new();
    }
    let embedding = bi_encoder().encode_batch(&[title], &PostgresInterrupt).unwrap_or_else(|e| raise(e)).pop().unwrap_or_default();
    let nearest = nearest_labels(&loaded, embedding);
    let skills = skills_named(description);
    guesses(&loaded.index, &loaded.index.infer_with_skills(title, Some(&nearest), &skills, GUESSES_PER_JOB))
}
