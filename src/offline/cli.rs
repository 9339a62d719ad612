//! What the command-line programs in src/offline/bin share: the flags several take (clap
//! arguments), file reading with the path in the error, and progress lines. Not used by the
//! extension.

use std::path::{Path, PathBuf};

use resonance_engine::error::{EngineError, Result};
use resonance_engine::model_files::BASE_BI_ENCODER;

/// Where the extension installs its models (models/fetch.sh).
pub const INSTALLED_MODELS: &str = "/usr/share/postgresql/15/resonance/models";

/// `--model <dir>`: the bi-encoder directory, by default the installed base model.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelFlag {
    /// The bi-encoder directory (default: the installed all-MiniLM-L6-v2)
    #[arg(long = "model", value_name = "DIR", default_value_os_t = installed_base_model())]
    pub model: PathBuf,
}

/// `--eval-dir <dir>`: the benchmark directory, by default $RESONANCE_EVAL_DIR, else ../shared/eval.
#[derive(clap::Args, Debug, Clone)]
pub struct EvalDirFlag {
    /// The dev benchmark directory (default: $RESONANCE_EVAL_DIR, else ../shared/eval)
    #[arg(long = "eval-dir", value_name = "DIR", default_value_os_t = default_eval_dir())]
    pub eval_dir: PathBuf,
}

/// The installed base bi-encoder's directory.
pub fn installed_base_model() -> PathBuf {
    PathBuf::from(INSTALLED_MODELS).join(BASE_BI_ENCODER)
}

/// The benchmark directory when no flag names one: $RESONANCE_EVAL_DIR, else ../shared/eval.
pub fn default_eval_dir() -> PathBuf {
    std::env::var_os("RESONANCE_EVAL_DIR").map_or_else(|| PathBuf::from("../shared/eval"), PathBuf::from)
}

/// A program's arguments from a command line written as the scripts write it (words split at
/// whitespace, the program's name first), after clap's checks of the declaration. For the
/// programs' tests that keep the scripts' invocations working.
pub fn parse_command_line<P: clap::Parser>(line: &str) -> std::result::Result<P, clap::Error> {
    P::command().debug_assert();
    P::try_parse_from(line.split_whitespace())
}

/// Reads a text file, naming it in the error.
pub fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| EngineError::InvalidInput(format!("cannot read {}: {e}", path.display())))
}

/// A between-batches callback printing progress to stderr every 10 batches.
pub fn progress(what: &'static str) -> impl FnMut(usize, usize) -> Result<()> {
    let mut batches = 0usize;
    move |done, total| {
        if batches.is_multiple_of(10) {
            eprintln!("{what}: {done}/{total}");
        }
        batches += 1;
        Ok(())
    }
}
