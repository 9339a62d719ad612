//! What the command-line programs in crates/offline/bin share: the flags several take (clap
//! arguments), file reading with the path in the error, and progress lines. Not used by the
//! extension.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use resonance_engine::bf16_linear::MatmulPrecision;
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

/// `--reserved <file>`: the reserved occupations, which never enter training data, negatives,
/// tuning or measurement; by default the benchmark's own list.
#[derive(clap::Args, Debug, Clone)]
pub struct ReservedFlag {
    /// Reserved occupations (default: <eval-dir>/reserved.txt)
    #[arg(long = "reserved", value_name = "FILE")]
    pub reserved: Option<PathBuf>,
}

impl ReservedFlag {
    /// The list this flag names, else `<eval_dir>/reserved.txt`.
    pub fn load(&self, eval_dir: &Path) -> Result<crate::sources::reserved::ReservedOccupations> {
        let path = self.reserved.clone().unwrap_or_else(|| eval_dir.join("reserved.txt"));
        crate::sources::reserved::ReservedOccupations::load(&path)
    }
}

/// The precision of the programs' model products: as the server's resonance.bf16_matmul,
/// bf16 where the CPU has AVX-512 BF16, unless RESONANCE_BF16_MATMUL is off (0, off, false).
pub fn matmul_precision() -> MatmulPrecision {
    match std::env::var("RESONANCE_BF16_MATMUL").ok().as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("0" | "off" | "false") => MatmulPrecision::F32,
        _ => MatmulPrecision::best_available(),
    }
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

/// How often `progress` prints: often enough to show a long step is moving, rarely enough
/// not to flood a log.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// A between-batches callback printing progress to stderr: the count, the share done, the
/// time so far and the time left at the rate so far; at the start and then every
/// `PROGRESS_EVERY`.
pub fn progress(what: &'static str) -> impl FnMut(usize, usize) -> Result<()> {
    let started = Instant::now();
    let mut last: Option<Instant> = None;
    move |done, total| {
        if last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
            last = Some(Instant::now());
            eprintln!("{}", progress_line(what, done, total, started.elapsed()));
        }
        Ok(())
    }
}

/// "what: done/total (p %), elapsed, ETA": the ETA once something is done.
fn progress_line(what: &str, done: usize, total: usize, elapsed: Duration) -> String {
    let share = if total == 0 { 1.0 } else { done as f64 / total as f64 };
    let eta = if done == 0 {
        "ETA unknown".to_string()
    } else {
        format!("ETA {:.0} s", elapsed.as_secs_f64() * (total - done.min(total)) as f64 / done as f64)
    };
    format!("{what}: {done}/{total} ({:.0} %), {:.0} s so far, {eta}", share * 100.0, elapsed.as_secs_f64())
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_give_the_share_and_the_time_left_at_the_rate_so_far() {
        let line = progress_line("names", 1000, 4000, Duration::from_secs(10));
        assert_eq!(line, "names: 1000/4000 (25 %), 10 s so far, ETA 30 s");
        assert_eq!(progress_line("names", 0, 4000, Duration::ZERO), "names: 0/4000 (0 %), 0 s so far, ETA unknown");
        assert_eq!(progress_line("names", 0, 0, Duration::ZERO), "names: 0/0 (100 %), 0 s so far, ETA unknown");
    }
}
