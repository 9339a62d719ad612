//! Occupation inference: which occupations a job title (as real ads write it) names, as a
//! ranked distribution with confidences, instead of an exact lookup of canonical names.
//!
//! One file per concept:
//! - the labels: `bls` reads the BLS Occupational Outlook Handbook's A-Z titles, `labels`
//!   gathers every title the sources give each O*NET and ESCO occupation, `held_out` splits
//!   them into an index half and a held-out half for measurement;
//! - the matching itself is served (`resonance_engine::occupations`); here `nearest_label`
//!   finds the labels nearest to a title by a full scan of their embeddings, as the database
//!   does with pgvector;
//! - using it: `profile_text` describes an occupation (its activities or skills) for
//!   comparing with a resume;
//! - `accuracy` measures top-k accuracy on held-out titles.

pub mod accuracy;
pub mod bls;
pub mod held_out;
pub mod labels;
pub mod nearest_label;
pub mod profile_text;
