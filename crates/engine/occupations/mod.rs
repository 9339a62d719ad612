//! Occupation inference: which occupations a job title (as real ads write it) names, as a
//! ranked distribution with confidences, instead of an exact lookup of canonical names.
//!
//! - `title_terms` turns a title into weighted terms (levels, shifts and qualifiers handled,
//!   acronyms expanded from the labels);
//! - `lexical` scores labels by tf-idf over words and character trigrams;
//! - `inference` fuses lexical scores with the labels nearest to the title's embedding into a
//!   distribution;
//! - `expected_fit` takes a fit's expectation over a distribution;
//! - `resume_titles` finds the titles a resume states (headline, roles), which inference
//!   reads on the resume side;
//! - `guess` is the stored form of an inferred occupation (name and confidence).
//!
//! The labels themselves (ESCO, BLS, O*NET) and the held-out split used to measure all this
//! are built offline (`resonance-offline`, `occupations`); the database keeps them in
//! `resonance.kg_title_labels`.

pub mod expected_fit;
pub mod guess;
pub mod inference;
pub mod lexical;
pub mod resume_titles;
pub mod title_terms;
