//! The models a backend has loaded, kept for the life of the backend.
//!
//! Loading happens on first use inside a backend (never in the postmaster, so no thread
//! and no mapped weights are inherited across fork). A model is reloaded when the settings
//! it was loaded with change.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::engine::bi_encoder::BiEncoder;
use crate::engine::error::EngineError;
use crate::engine::model_files::BASE_BI_ENCODER;
use crate::settings;

#[derive(PartialEq)]
struct LoadKey {
    dir: PathBuf,
    max_seq_length: usize,
}

thread_local! {
    // A backend is single-threaded: thread_local is per backend.
    static BI_ENCODER: RefCell<Option<(LoadKey, Rc<BiEncoder>)>> = const { RefCell::new(None) };
}

/// The bi-encoder for the current settings, loading it on first use.
pub fn bi_encoder() -> Rc<BiEncoder> {
    apply_thread_setting();
    let key = LoadKey { dir: settings::model_dir().join(BASE_BI_ENCODER), max_seq_length: settings::max_seq_length() };
    BI_ENCODER.with(|cell| {
        if let Some((loaded, model)) = cell.borrow().as_ref() {
            if *loaded == key {
                return model.clone();
            }
        }
        let model = Rc::new(BiEncoder::load(&key.dir, key.max_seq_length).unwrap_or_else(|e| raise(e)));
        *cell.borrow_mut() = Some((key, model.clone()));
        model
    })
}

/// candle sizes its matmul parallelism from RAYON_NUM_THREADS on every call and its
/// element-wise pool from CANDLE_NUM_THREADS on first use; both follow resonance.threads.
fn apply_thread_setting() {
    let n = settings::threads().to_string();
    if std::env::var("RAYON_NUM_THREADS").ok().as_deref() != Some(n.as_str()) {
        std::env::set_var("RAYON_NUM_THREADS", &n);
        std::env::set_var("CANDLE_NUM_THREADS", &n);
    }
}

/// Reports an engine error as a Postgres ERROR with a fitting SQLSTATE. Never returns.
pub fn raise(e: EngineError) -> ! {
    let code = match &e {
        EngineError::MissingModelFile { .. } => PgSqlErrorCode::ERRCODE_UNDEFINED_FILE,
        EngineError::CorruptModelFile { .. } => PgSqlErrorCode::ERRCODE_DATA_CORRUPTED,
        EngineError::InvalidInput(_) => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        EngineError::Canceled => PgSqlErrorCode::ERRCODE_QUERY_CANCELED,
        EngineError::Tokenizer(_) | EngineError::Compute(_) => PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
    };
    ereport!(ERROR, code, format!("resonance: {e}"));
}

/// Between two batches: lets a pending cancel or statement_timeout end the statement.
pub fn check_for_interrupts() {
    pg_sys::check_for_interrupts!();
}
