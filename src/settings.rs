//! Every `resonance.*` setting, declared in one place. Registered from `_PG_init`.

use std::ffi::{CStr, CString};
use std::path::PathBuf;

use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};

use resonance_engine::bi_encoder::DEFAULT_BATCH_SIZE;

/// NULL means `$sharedir/resonance/models`, where models/fetch.sh installs the files.
pub static MODEL_DIR: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
/// One thread per backend by default: Postgres scales by backends, and two backends each
/// running a 2-thread pool on this 2-core box would fight over the cores.
pub static THREADS: GucSetting<i32> = GucSetting::<i32>::new(1);
/// sentence-transformers' max_seq_length for all-MiniLM-L6-v2 (sentence_bert_config.json).
pub static MAX_SEQ_LENGTH: GucSetting<i32> = GucSetting::<i32>::new(256);
pub static BATCH_SIZE: GucSetting<i32> = GucSetting::<i32>::new(DEFAULT_BATCH_SIZE as i32);
pub static EMBED_ON_WRITE: GucSetting<bool> = GucSetting::<bool>::new(true);
/// bf16 products where the CPU has AVX-512 BF16 (engine/bf16_linear.rs): twice the f32
/// speed and the Linear weights in half the memory, embeddings within 0.9999 cosine of f32 (README).
pub static BF16_MATMUL: GucSetting<bool> = GucSetting::<bool>::new(true);
/// With shared_preload_libraries, the postmaster loads the base bi-encoder once and every
/// backend inherits its weights copy-on-write (postgres/model_cache.rs).
pub static PRELOAD_BI_ENCODER: GucSetting<bool> = GucSetting::<bool>::new(true);
/// A cross-encoder directory under model_dir for the postmaster to load likewise (NULL: none).
pub static PRELOAD_CROSS_ENCODER: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
/// 0 = no limit: by default resonance_match reranks every candidate, as the contract says.
pub static RERANK_BUDGET_MS: GucSetting<i32> = GucSetting::<i32>::new(0);

pub fn register() {
    GucRegistry::define_int_guc(
        c"resonance.rerank_budget_ms",
        c"Latency budget of a resonance_match call in milliseconds, within which the cross-encoder computes cache misses (0 = no limit).",
        c"Counted from the start of the call; candidates are reranked best-first, and those left when the budget is spent keep their first-stage score.",
        &RERANK_BUDGET_MS,
        0,
        600_000,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"resonance.model_dir",
        c"Directory holding the model folders (default: $sharedir/resonance/models).",
        c"Superuser only: it names files the backend reads.",
        &MODEL_DIR,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"resonance.threads",
        c"Threads one backend uses for model inference (at most the machine's cores).",
        c"Values above the number of cores the server may use are refused. Takes effect for the matrix products at once; the element-wise pool keeps the size of its first use.",
        &THREADS,
        1,
        max_threads(),
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"resonance.max_seq_length",
        c"Tokens per text the encoders read; longer texts are truncated.",
        c"",
        &MAX_SEQ_LENGTH,
        8,
        512,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"resonance.batch_size",
        c"Texts per forward pass when encoding arrays and pending rows.",
        c"",
        &BATCH_SIZE,
        1,
        1024,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"resonance.preload_bi_encoder",
        c"With shared_preload_libraries, load the base bi-encoder in the postmaster.",
        c"Backends then share its weights (about 90 MB) instead of each loading a private copy. Takes effect at server start.",
        &PRELOAD_BI_ENCODER,
        // Read only at server start; SIGHUP, not POSTMASTER, because a library loaded after
        // startup may not define POSTMASTER settings (a FATAL error).
        GucContext::Sighup,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"resonance.preload_cross_encoder",
        c"With shared_preload_libraries, a cross-encoder directory (relative to resonance.model_dir) for the postmaster to load.",
        c"Backends whose active cross-encoder is that directory then share its weights instead of each loading a private copy. Takes effect at server start.",
        &PRELOAD_CROSS_ENCODER,
        // As resonance.preload_bi_encoder: read only at server start.
        GucContext::Sighup,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"resonance.bf16_matmul",
        c"Run the models' matrix products in bf16 when the CPU has AVX-512 BF16.",
        c"About twice as fast as f32, with the Linear weights in half the memory; embeddings move by less than 1e-4 in cosine. Off (or a CPU without AVX-512 BF16) computes in f32. A backend reloads its models when it changes.",
        &BF16_MATMUL,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"resonance.embed_on_write",
        c"Compute embeddings in the insert/update triggers of resonance.jobs and resonance.resumes.",
        c"Off leaves new rows' embedding NULL for CALL resonance_embed_pending() to fill in batches.",
        &EMBED_ON_WRITE,
        GucContext::Userset,
        GucFlags::default(),
    );
}

/// The model directory in force: the setting, or the share-directory default. A relative
/// setting would resolve against the data directory, never what an administrator meant,
/// so it is an ERROR naming the setting.
pub fn model_dir() -> PathBuf {
    checked_model_dir().unwrap_or_else(|e| crate::postgres::error::raise(e))
}

/// `model_dir` as a Result, for the postmaster, where an ERROR would stop the server.
pub fn checked_model_dir() -> Result<PathBuf, resonance_engine::error::EngineError> {
    match MODEL_DIR.get() {
        Some(dir) if !dir.as_bytes().is_empty() => {
            let dir = PathBuf::from(dir.to_string_lossy().into_owned());
            if !dir.is_absolute() {
                return Err(resonance_engine::error::EngineError::InvalidInput(format!(
                    "resonance.model_dir must be an absolute path, got {:?}",
                    dir.display().to_string()
                )));
            }
            Ok(dir)
        }
        _ => Ok(share_dir().join("resonance").join("models")),
    }
}

fn share_dir() -> PathBuf {
    let mut buf = [0 as std::ffi::c_char; pgrx::pg_sys::MAXPGPATH as usize];
    // SAFETY: my_exec_path is set by the server at start; get_share_path writes at most
    // MAXPGPATH bytes, NUL-terminated, into buf.
    unsafe {
        pgrx::pg_sys::get_share_path(std::ptr::addr_of!(pgrx::pg_sys::my_exec_path).cast(), buf.as_mut_ptr());
        PathBuf::from(CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned())
    }
}

/// resonance.preload_cross_encoder, when set and not empty.
pub fn preload_cross_encoder() -> Option<String> {
    PRELOAD_CROSS_ENCODER.get().map(|dir| dir.to_string_lossy().into_owned()).filter(|dir| !dir.is_empty())
}

/// The precision resonance.bf16_matmul asks for (the engine falls back to f32 on a CPU
/// without AVX-512 BF16).
pub fn matmul_precision() -> resonance_engine::bf16_linear::MatmulPrecision {
    use resonance_engine::bf16_linear::MatmulPrecision;
    if BF16_MATMUL.get() {
        MatmulPrecision::at_most(MatmulPrecision::Bf16)
    } else {
        MatmulPrecision::F32
    }
}

pub fn threads() -> usize {
    THREADS.get().max(1) as usize
}

/// The most resonance.threads accepts: the cores this process may run on (cgroup quota and
/// CPU affinity included), at most 64. More threads than cores only make a backend's threads
/// wait for each other and for other backends, and any role may SET the setting, so a
/// larger value is refused (22023) rather than run.
fn max_threads() -> i32 {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(64) as i32
}
pub fn max_seq_length() -> usize {
    MAX_SEQ_LENGTH.get() as usize
}
pub fn batch_size() -> usize {
    BATCH_SIZE.get().max(1) as usize
}

/// resonance.rerank_budget_ms as an option value (None = no limit).
pub fn rerank_budget_ms() -> Option<f64> {
    match RERANK_BUDGET_MS.get() {
        0 => None,
        ms => Some(ms as f64),
    }
}
