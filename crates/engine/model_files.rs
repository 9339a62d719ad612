//! Locating and opening the files of a Hugging Face model directory
//! (`config.json`, `tokenizer.json`, `model.safetensors`), with errors that name the file.

use std::path::{Path, PathBuf};

use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, Device};
use candle_nn::VarBuilder;

use super::bert::BertConfig;
use super::error::{EngineError, Result};

/// Directory name of the base bi-encoder under `resonance.model_dir`.
pub const BASE_BI_ENCODER: &str = "all-minilm-l6-v2";

/// The base bi-encoder's files as models/manifest.tsv pins them (models/fetch.sh installs
/// exactly these). Its resonance.ml_models row records the first (config.sha256); they are
/// compiled in because the postmaster loads the model before any database can be read. A
/// test keeps them equal to the manifest and to the row sql/resonance.sql inserts.
pub const BASE_BI_ENCODER_FILES: [(&str, &str); 3] = [
    ("model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
    ("tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
    ("config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
];

/// Where the pins of the base bi-encoder's files are recorded, as errors name it.
const MANIFEST: &str = "models/manifest.tsv";

/// The sha256 of the file at `path`, in lowercase hex as sha256sum prints it. Read in
/// blocks, never whole into memory: a model's weights are tens of MB.
pub fn sha256_of_file(path: &Path) -> Result<String> {
    use sha2::Digest;
    use std::io::Read;
    let unreadable = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => EngineError::MissingModelFile { path: path.to_path_buf() },
        _ => EngineError::CorruptModelFile { path: path.to_path_buf(), reason: e.to_string() },
    };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let mut hasher = sha2::Sha256::new();
    let mut block = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut block).map_err(unreadable)? {
            0 => break,
            n => hasher.update(&block[..n]),
        }
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Ok when `found`, the sha256 of `model`'s file `path`, is the one `recorded_in` records
/// (hex in either case); else an error naming the model, the file and both hashes.
pub fn check_sha256(model: &str, path: &Path, found: &str, recorded: &str, recorded_in: &str) -> Result<()> {
    if found.eq_ignore_ascii_case(recorded.trim()) {
        return Ok(());
    }
    Err(EngineError::ModelChecksum {
        model: model.to_string(),
        path: path.to_path_buf(),
        found: found.to_string(),
        recorded: recorded.to_string(),
        recorded_in: recorded_in.to_string(),
    })
}

/// Checks the base bi-encoder's files in `dir` against their pins (`BASE_BI_ENCODER_FILES`).
pub fn verify_base_bi_encoder(dir: &Path) -> Result<()> {
    for (file, pinned) in BASE_BI_ENCODER_FILES {
        let path = dir.join(file);
        check_sha256(BASE_BI_ENCODER, &path, &sha256_of_file(&path)?, pinned, MANIFEST)?;
    }
    Ok(())
}

/// The three files of one model directory.
pub struct ModelFiles {
    pub dir: PathBuf,
}

impl ModelFiles {
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        if !dir.is_dir() {
            return Err(EngineError::MissingModelFile { path: dir });
        }
        Ok(Self { dir })
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config.json")
    }
    pub fn tokenizer_path(&self) -> PathBuf {
        self.dir.join("tokenizer.json")
    }
    pub fn weights_path(&self) -> PathBuf {
        self.dir.join("model.safetensors")
    }

    pub fn config(&self) -> Result<BertConfig> {
        let path = self.config_path();
        let text = read(&path)?;
        serde_json::from_slice(&text).map_err(|e| EngineError::CorruptModelFile { path, reason: e.to_string() })
    }

    /// Weights as f32, memory-mapped, for a model's `load`.
    pub fn weights(&self) -> Result<VarBuilder<'static>> {
        Ok(VarBuilder::from_backend(Box::new(self.weight_tensors()?), DType::F32, Device::Cpu))
    }

    /// The memory-mapped weight file itself, to list or combine its tensors. The header is
    /// validated here so that a truncated or foreign file is an error now, not a crash later.
    pub fn weight_tensors(&self) -> Result<MmapedSafetensors> {
        let path = self.weights_path();
        if !path.exists() {
            return Err(EngineError::MissingModelFile { path });
        }
        // SAFETY: the file is mapped read-only; the only hazard is another process truncating
        // it while mapped, the same contract as any mmap-based loader. model_dir is a
        // superuser-only setting, so only an administrator chooses which file this is.
        unsafe { MmapedSafetensors::new(&path) }
            .map_err(|e| EngineError::CorruptModelFile { path, reason: e.to_string() })
    }
}

/// `relative` (a path from a resonance.ml_models row: artifact_path, config.base, ...)
/// resolved inside `model_dir`. ml_models is an ordinary table, and whoever may write it
/// must not make a backend open files the superuser-only resonance.model_dir does not
/// hold: absolute paths and `..` are refused, and an existing path is canonicalised, so a
/// symlink leading out of `model_dir` is refused too. `what` names the field in the error.
pub fn path_inside_model_dir(model_dir: &Path, relative: &str, what: &str) -> Result<PathBuf> {
    let outside = || {
        EngineError::InvalidInput(format!(
            "{what} {relative:?} must be a relative path inside resonance.model_dir ({})",
            model_dir.display()
        ))
    };
    let path = Path::new(relative);
    let plain = !relative.is_empty() && path.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    if !plain {
        return Err(outside());
    }
    let joined = model_dir.join(path);
    // A path that does not exist yet cannot lead anywhere; opening it reports it missing.
    let (Ok(real), Ok(root)) = (joined.canonicalize(), model_dir.canonicalize()) else { return Ok(joined) };
    if real.starts_with(&root) {
        Ok(joined)
    } else {
        Err(outside())
    }
}

/// The bytes of `path`; a missing file and an unreadable one are different errors.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => EngineError::MissingModelFile { path: path.to_path_buf() },
        _ => EngineError::CorruptModelFile { path: path.to_path_buf(), reason: e.to_string() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_dir() -> (PathBuf, PathBuf) {
        let base = std::env::temp_dir().join(format!("resonance-model-dir-{}", std::process::id()));
        let dir = base.join("models");
        std::fs::create_dir_all(dir.join("good")).unwrap();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        (base, dir)
    }

    #[test]
    fn a_path_inside_model_dir_is_kept() {
        let (_, dir) = model_dir();
        assert_eq!(path_inside_model_dir(&dir, "good", "artifact_path").unwrap(), dir.join("good"));
        // Not there yet: allowed here, reported missing when opened.
        assert_eq!(path_inside_model_dir(&dir, "later/model", "base").unwrap(), dir.join("later/model"));
    }

    #[test]
    fn parent_absolute_and_empty_paths_are_refused() {
        let (_, dir) = model_dir();
        for bad in ["../outside", "good/../../outside", "/tmp", "/etc/passwd", "", "./good"] {
            let err = path_inside_model_dir(&dir, bad, "config.base").unwrap_err();
            assert!(matches!(err, EngineError::InvalidInput(_)), "{bad:?} accepted");
            assert!(err.to_string().contains("config.base"), "{err}");
        }
    }

    /// A file under a fresh scratch directory with `bytes` in it.
    fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("resonance-sha256-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("weights.safetensors");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn sha256_of_a_file_is_what_sha256sum_prints() {
        let path = scratch_file("abc", b"abc");
        assert_eq!(sha256_of_file(&path).unwrap(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        // Larger than one block: the blocks are hashed in order, the last one partly.
        let path = scratch_file("big", &vec![b'a'; (1 << 20) + 7]);
        let again: String = {
            use sha2::Digest;
            sha2::Sha256::digest(vec![b'a'; (1 << 20) + 7]).iter().map(|b| format!("{b:02x}")).collect()
        };
        assert_eq!(sha256_of_file(&path).unwrap(), again);
        assert!(matches!(sha256_of_file(Path::new("/nonexistent/x")), Err(EngineError::MissingModelFile { .. })));
    }

    #[test]
    fn a_file_whose_sha256_is_not_the_recorded_one_is_refused_naming_both() {
        let path = scratch_file("mismatch", b"projection weights, one byte changed");
        let found = sha256_of_file(&path).unwrap();
        assert!(check_sha256("proj@2", &path, &found, &found.to_uppercase(), "resonance.ml_models").is_ok());
        let recorded = "f2d8ee850c5b75458304c06bd6549f7405a104540f0797490bb22c96693e8566";
        let err = check_sha256("proj@2", &path, &found, recorded, "config.sha256 in resonance.ml_models").unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Corrupt);
        let message = err.to_string();
        for part in ["proj@2", &path.display().to_string(), &found, recorded] {
            assert!(message.contains(part), "{message} does not name {part}");
        }
        assert!(err.hint().unwrap().contains("models/fetch.sh"));
    }

    #[test]
    fn the_base_bi_encoder_pins_are_the_manifest_and_the_registry_row() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let manifest = std::fs::read_to_string(root.join("models/manifest.tsv")).unwrap();
        for (file, pinned) in BASE_BI_ENCODER_FILES {
            let line = format!("{BASE_BI_ENCODER}\t{file}\t{pinned}\t");
            assert!(manifest.lines().any(|l| l.starts_with(&line)), "{file} {pinned} not in the manifest");
        }
        let sql = std::fs::read_to_string(root.join("sql/resonance.sql")).unwrap();
        assert!(sql.contains(&format!("\"sha256\": \"{}\"", BASE_BI_ENCODER_FILES[0].1)));
        // A model directory with one pinned file changed is refused, naming the manifest.
        let dir = std::env::temp_dir().join(format!("resonance-base-pins-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("model.safetensors"), b"not the pinned weights").unwrap();
        let err = verify_base_bi_encoder(&dir).unwrap_err();
        assert!(err.to_string().contains(MANIFEST) && err.to_string().contains(BASE_BI_ENCODER_FILES[0].1), "{err}");
    }

    #[test]
    fn a_symlink_out_of_model_dir_is_refused() {
        let (base, dir) = model_dir();
        let link = dir.join("escape");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(base.join("outside"), &link).unwrap();
        assert!(path_inside_model_dir(&dir, "escape", "artifact_path").is_err());
        let inner = dir.join("alias");
        let _ = std::fs::remove_file(&inner);
        std::os::unix::fs::symlink(dir.join("good"), &inner).unwrap();
        assert!(path_inside_model_dir(&dir, "alias", "artifact_path").is_ok());
    }
}
