//! Errors the engine reports. Each says what went wrong in words a SQL user can act on;
//! the SQL layer turns them into `ERROR`s unchanged.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("model file {path} is missing: install the models (models/fetch.sh) or set resonance.model_dir")]
    MissingModelFile { path: PathBuf },

    #[error("model file {path} could not be read: {reason}")]
    CorruptModelFile { path: PathBuf, reason: String },

    #[error("tokenizer failed: {0}")]
    Tokenizer(String),

    #[error("model computation failed: {0}")]
    Compute(#[from] candle_core::Error),

    #[error("invalid input: {0}")]
    InvalidInput(String),

    #[error("canceled")]
    Canceled,
}

pub type Result<T> = std::result::Result<T, EngineError>;
