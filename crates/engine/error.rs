//! Errors the engine reports. Each says what went wrong in words a SQL user can act on,
//! and its kind says which SQLSTATE the SQL layer raises it with (`ErrorKind`), so a
//! client can tell bad input from a missing row, a missing file or a bug.

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

    /// A row or object the caller named does not exist (an unknown resume id, a model
    /// version that is not registered).
    #[error("{0}")]
    NotFound(String),

    /// A file that is not a model file could not be read or written.
    #[error("{what}: {reason}")]
    Io { what: String, reason: String },

    /// The input is larger than the engine accepts (a JSON argument of megabytes).
    #[error("{0}")]
    TooLarge(String),

    /// A required argument was NULL (a function that cannot be STRICT because another
    /// argument may be NULL).
    #[error("{0} must not be NULL")]
    NullArgument(String),

    #[error("canceled")]
    Canceled,

    /// Something the call needs has not been set up (no cross-encoder is active).
    #[error("{0}")]
    NotSetUp(String),

    /// A broken invariant of the engine's own: no input should cause it.
    #[error("internal error: {0}")]
    Internal(String),

    /// A score that is not a finite number (a fused score, or a cross-encoder's that
    /// resonance_rerank returns): a model gave NaN or infinity, which a sound model never
    /// does and a damaged model file does. Raised, never ranked or returned: a NaN
    /// final_score would sort first and read as a match.
    #[error(
        "a score is not finite: {}; a damaged model file gives this: reinstall it (models/fetch.sh) \
         or check it against config.sha256 in resonance.ml_models",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    NonFiniteScore(Vec<NonFiniteStage>),

    /// A model file whose sha256 is not the one recorded for it (resonance.ml_models'
    /// config.sha256, or models/manifest.tsv for the base bi-encoder).
    #[error("model {model}: {path} has sha256 {found}, but {recorded_in} records {recorded}")]
    ModelChecksum { model: String, path: PathBuf, found: String, recorded: String, recorded_in: String },
}

/// One stage's score that made a fused score not finite, with the model that gave it
/// (`EngineError::naming_models`).
#[derive(Debug, Clone, PartialEq)]
pub struct NonFiniteStage {
    pub stage: &'static str,
    pub value: f32,
    pub model: Option<String>,
}

impl std::fmt::Display for NonFiniteStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the {} score is {}", self.stage, self.value)?;
        match &self.model {
            Some(model) => write!(f, " (model {model})"),
            None => Ok(()),
        }
    }
}

/// What kind of failure an error is; the SQL layer maps each to one SQLSTATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 22023 invalid_parameter_value
    InvalidInput,
    /// 22004 null_value_not_allowed
    NullArgument,
    /// P0002 no_data_found
    NotFound,
    /// 58P01 undefined_file
    MissingFile,
    /// 58030 io_error
    Io,
    /// XX001 data_corrupted
    Corrupt,
    /// 54000 program_limit_exceeded
    TooLarge,
    /// 57014 query_canceled
    Canceled,
    /// 55000 object_not_in_prerequisite_state
    NotSetUp,
    /// XX000 internal_error: a failure no input should cause.
    Internal,
}

impl EngineError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::MissingModelFile { .. } => ErrorKind::MissingFile,
            EngineError::CorruptModelFile { .. } => ErrorKind::Corrupt,
            EngineError::InvalidInput(_) => ErrorKind::InvalidInput,
            EngineError::NotFound(_) => ErrorKind::NotFound,
            EngineError::NullArgument(_) => ErrorKind::NullArgument,
            EngineError::Io { .. } => ErrorKind::Io,
            EngineError::TooLarge(_) => ErrorKind::TooLarge,
            EngineError::Canceled => ErrorKind::Canceled,
            EngineError::NotSetUp(_) => ErrorKind::NotSetUp,
            EngineError::Tokenizer(_) | EngineError::Compute(_) | EngineError::Internal(_) => ErrorKind::Internal,
            EngineError::NonFiniteScore(_) | EngineError::ModelChecksum { .. } => ErrorKind::Corrupt,
        }
    }

    /// What the caller can do about it, where there is one thing to say (the SQL layer's HINT).
    pub fn hint(&self) -> Option<String> {
        match self {
            EngineError::ModelChecksum { recorded_in, .. } => Some(format!(
                "Reinstall the model's files (models/fetch.sh installs the shipped ones). If the file was \
                 replaced on purpose, record its sha256 in {recorded_in}."
            )),
            _ => None,
        }
    }

    /// A `NonFiniteScore` with the model behind each of its stages named by `model_of`
    /// (the ranking knows scores, its caller the models); any other error as it is.
    pub fn naming_models(self, model_of: impl Fn(&str) -> Option<String>) -> Self {
        match self {
            EngineError::NonFiniteScore(stages) => EngineError::NonFiniteScore(
                stages.into_iter().map(|s| NonFiniteStage { model: model_of(s.stage), ..s }).collect(),
            ),
            other => other,
        }
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_the_kind_its_sqlstate_needs() {
        assert_eq!(EngineError::NotFound("resume x".into()).kind(), ErrorKind::NotFound);
        assert_eq!(EngineError::TooLarge("filters".into()).kind(), ErrorKind::TooLarge);
        assert_eq!(EngineError::Io { what: "a".into(), reason: "b".into() }.kind(), ErrorKind::Io);
        assert_eq!(EngineError::MissingModelFile { path: "m".into() }.kind(), ErrorKind::MissingFile);
        assert_eq!(EngineError::InvalidInput("x".into()).kind(), ErrorKind::InvalidInput);
        assert_eq!(EngineError::NotSetUp("no model".into()).kind(), ErrorKind::NotSetUp);
    }
}
