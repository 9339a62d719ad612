//! `resonance_encode`: text -> embedding with the bi-encoder.
//!
//! The Rust functions here return `real[]`; the SQL wrappers in sql/resonance.sql cast to
//! pgvector's `vector(384)`, so the pgvector type stays pgvector's own.

use pgrx::prelude::*;

use crate::postgres::stats;
use crate::postgres::model_cache::bi_encoder;
use crate::postgres::error::{raise, PostgresInterrupt};
use resonance_engine::error::EngineError;
use resonance_engine::tokenization::has_content;
use crate::settings;

#[pg_schema]
mod resonance {
    use super::*;

    /// Whether a text holds a letter or a digit: the rule by which resonance.job_document
    /// and resonance.resume_document call a text empty, the same one encoding applies, so a
    /// row the encoder would refuse is never queued for it.
    #[pg_extern(immutable, strict, parallel_safe, name = "has_content")]
    fn text_has_content(input: &str) -> bool {
        has_content(input)
    }

    /// One text -> its embedding as real[]. NULL in, NULL out (STRICT).
    #[pg_extern(stable, strict, parallel_safe)]
    fn encode_one(input: &str) -> Vec<f32> {
        let _call = stats::Call::start("resonance_encode");
        reject_empty(input, None);
        let model = bi_encoder();
        let embedding = model.encode_batch(&[input], &PostgresInterrupt).unwrap_or_else(|e| raise(e)).pop();
        stats::count(stats::Counter::TextsEncoded, 1);
        embedding.unwrap_or_default()
    }

    /// Many texts -> (ordinal, embedding) rows in input order, encoded in batches of
    /// resonance.batch_size, with an interrupt check before each half layer of each slice of
    /// a batch (README, "Cancel and statement_timeout"). A NULL element gives a NULL
    /// embedding at its position.
    #[pg_extern(stable, strict, parallel_safe)]
    fn encode_many(
        inputs: Array<&str>,
    ) -> TableIterator<'static, (name!(ordinal, i32), name!(embedding, Option<Vec<f32>>))> {
        let _call = stats::Call::start("resonance_encode");
        let texts: Vec<Option<&str>> = inputs.iter().collect();
        for (i, text) in texts.iter().enumerate() {
            if let Some(t) = text {
                reject_empty(t, Some(i + 1));
            }
        }
        let present: Vec<&str> = texts.iter().flatten().copied().collect();
        let mut embeddings = if present.is_empty() {
            Vec::new()
        } else {
            let model = bi_encoder();
            model
                .encode(&present, settings::batch_size(), &PostgresInterrupt, |_, _| Ok(()))
                .unwrap_or_else(|e| raise(e))
        }
        .into_iter();
        stats::count(stats::Counter::TextsEncoded, present.len() as u64);
        let rows: Vec<(i32, Option<Vec<f32>>)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (i as i32 + 1, t.map(|_| embeddings.next().unwrap_or_default())))
            .collect();
        TableIterator::new(rows)
    }
}

/// A text with no letter or digit has no meaning to embed (`has_content`); an embedding of
/// it would still rank against everything, so it is an error rather than a silent vector.
fn reject_empty(text: &str, position: Option<usize>) {
    if !has_content(text) {
        let what = match position {
            Some(p) => format!("array element {p} is empty"),
            None => "input text is empty".to_string(),
        };
        raise(EngineError::InvalidInput(format!("cannot encode: {what} (pass NULL to get NULL)")));
    }
}
