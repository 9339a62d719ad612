//! The learned title encoder: a projection over the frozen bi-encoder's embeddings of job
//! titles, trained contrastively so that an ad's title ("CNA - Nights", "Manager, Finance")
//! lands near its occupation. Occupation inference today (engine `occupations::inference`)
//! matches titles by hand-built scores; this is its learned replacement's first step,
//! measured offline by held-out source.
//!
//! One file per concept:
//! - `title_tsv` reads what `titles/fetch_titles.sh` adds to the taxonomy's labels (ONS unit
//!   groups, the ESCO occupations the reserved rule selects);
//! - `noise` writes ad-style noise into titles;
//! - `fold` splits the sources into training and test by held-out source, with positives,
//!   prototypes and mined hard negatives;
//! - `prototype_loss` is the InfoNCE over occupation prototypes;
//! - `batches` draws each step's examples over cached embeddings;
//! - `held_out_table` measures the baseline, today's inference and the encoder on a fold.

pub mod batches;
pub mod fold;
pub mod held_out_table;
pub mod noise;
pub mod prototype_loss;
pub mod title_tsv;
