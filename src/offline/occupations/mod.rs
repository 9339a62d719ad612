//! Occupation inference: which occupations a job title (as real ads write it) names, as a
//! ranked distribution with confidences, instead of an exact lookup of canonical names.
//!
//! One file per concept:
//! - the labels: `bls` reads the BLS Occupational Outlook Handbook's A-Z titles, `labels`
//!   gathers every title the sources give each O*NET and ESCO occupation, `held_out` splits
//!   them into an index half and a held-out half for measurement;
//! - the matching: `title_terms` turns a title into weighted terms (levels, shifts and
//!   qualifiers handled, acronyms expanded from the labels), `lexical` scores labels by
//!   tf-idf over words and character n-grams, `nearest_label` by embedding cosine,
//!   `inference` fuses them into a distribution;
//! - using it: `profile_text` describes an occupation (its activities or skills) for
//!   comparing with a resume, `expected_fit` takes a fit's expectation over a distribution;
//! - `accuracy` measures top-k accuracy on held-out titles.

pub mod accuracy;
pub mod bls;
pub mod expected_fit;
pub mod held_out;
pub mod inference;
pub mod labels;
pub mod lexical;
pub mod nearest_label;
pub mod profile_text;
pub mod title_terms;
