//! The models a backend has loaded, kept for the life of the backend.
//!
//! Loading happens on first use inside a backend, with one exception: with the library in
//! shared_preload_libraries, the postmaster loads the base bi-encoder, and the cross-encoder
//! resonance.preload_cross_encoder names (`preload_in_postmaster`), and every backend forked
//! after starts with them, their weights' pages shared copy-on-write (nothing ever writes
//! them), so N connections hold one copy instead of N. Loading starts no thread (candle's
//! pools start on the first forward pass, which the postmaster never runs). A model is
//! reloaded when the settings it was loaded with change.
//!
//! Every model file is checked once per load, never per call: the base bi-encoder's files
//! against the sha256s models/manifest.tsv pins; a projection's file and a cross-encoder's
//! weights against the sha256 their resonance.ml_models row records (config.sha256), whose
//! digest is computed when the file is loaded and compared with the row at each use (a
//! string comparison). A mismatch is ERROR XX001 data_corrupted: the file was read, and its
//! contents are not the ones recorded (58030 io_error is for a read that failed). A row
//! recording no sha256 is used unverified, with a LOG line once per load.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use pgrx::spi::SpiHeapTupleData;

use resonance_engine::bf16_linear::MatmulPrecision;
use resonance_engine::bi_encoder::BiEncoder;
use resonance_engine::cross_encoder::CrossEncoder;
use crate::postgres::error::{raise, OrRaise};
use resonance_engine::error::Result;
use resonance_engine::model_files::{
    check_sha256, path_inside_model_dir, sha256_of_file, verify_base_bi_encoder, ModelFiles, BASE_BI_ENCODER,
};
use resonance_engine::projection::{Projection, PROJECTION_FILE};
use crate::postgres::stats::{self, Counter};
use crate::settings;

#[derive(PartialEq)]
struct LoadKey {
    dir: PathBuf,
    /// The base model a delta cross-encoder's trained layers sit on, as its registry row names
    /// it (config.base); None for the bi-encoder. A key is built on every call, so it holds
    /// names, not resolved paths: a lookup touches no file.
    base: Option<String>,
    max_seq_length: usize,
    precision: MatmulPrecision,
}

impl LoadKey {
    fn new(dir: PathBuf, base: Option<String>) -> Self {
        LoadKey { dir, base, max_seq_length: settings::max_seq_length(), precision: settings::matmul_precision() }
    }
}

/// The file of a delta cross-encoder: this project's own, trained layers over a base model.
const DELTA_FILE: &str = "delta.safetensors";

/// Loads the cross-encoder of `key`: a directory holding `delta.safetensors` is this
/// project's own (trained layers over the base model in `base_dir`, resolved only then);
/// anything else must be a BertForSequenceClassification checkpoint. With it, the sha256 of
/// the file its config.sha256 records: the delta, or the checkpoint's weights. A delta's
/// base, when it is the base bi-encoder, is checked against its pins.
fn load_cross_encoder(key: &LoadKey, base_dir: impl FnOnce() -> PathBuf) -> Result<(CrossEncoder, FileDigest)> {
    let delta = key.dir.join(DELTA_FILE);
    if delta.exists() {
        let base_dir = base_dir();
        let model = CrossEncoder::from_bi_encoder_with_delta(&base_dir, &delta, key.max_seq_length, key.precision)?;
        if key.base.as_deref() == Some(BASE_BI_ENCODER) {
            verify_base_bi_encoder(&base_dir)?;
        }
        Ok((model, FileDigest::of(delta)?))
    } else {
        let model = CrossEncoder::load(&key.dir, key.max_seq_length, key.precision)?;
        Ok((model, FileDigest::of(ModelFiles::new(&key.dir)?.weights_path())?))
    }
}

/// Loads the base bi-encoder of `key` and checks its files against their pins
/// (models/manifest.tsv, which its ml_models row repeats): it is loaded in the postmaster
/// too, before any database can be read, so the pins are compiled in. Loaded first, so that
/// a missing directory is reported as the directory.
fn load_bi_encoder(key: &LoadKey) -> Result<BiEncoder> {
    let model = BiEncoder::load(&key.dir, key.max_seq_length, key.precision)?;
    verify_base_bi_encoder(&key.dir)?;
    Ok(model)
}

/// The sha256 of a loaded model's weight file, computed once when it was loaded (in the
/// postmaster for a preloaded model), so each use compares its row's config.sha256 with it
/// without reading the file again.
struct FileDigest {
    path: PathBuf,
    sha256: String,
    /// The config.sha256 last let through (None inside: a row recording none, logged once).
    accepted: RefCell<Option<Option<String>>>,
}

impl FileDigest {
    fn of(path: PathBuf) -> Result<Self> {
        let sha256 = sha256_of_file(&path)?;
        Ok(FileDigest { path, sha256, accepted: RefCell::new(None) })
    }

    /// ERROR (XX001, naming the model, the file and both hashes) when `model`'s
    /// config.sha256 is not this file's. A row that records none is used unverified, with a
    /// LOG line once per load: rows registered before sha256s were checked, and models
    /// registered by hand, keep working; the line gives the hash to record.
    fn check(&self, model: &RegisteredModel) {
        if self.accepted.borrow().as_ref() == Some(&model.sha256) {
            return;
        }
        match &model.sha256 {
            Some(recorded) => check_sha256(&model.label(), &self.path, &self.sha256, recorded, RECORDED_IN)
                .unwrap_or_else(|e| raise(e)),
            None => pgrx::log!(
                "resonance: model {} records no sha256 ({RECORDED_IN}): {} (sha256 {}) is used unverified",
                model.label(),
                self.path.display(),
                self.sha256
            ),
        }
        *self.accepted.borrow_mut() = Some(model.sha256.clone());
    }
}

/// Where a registered model's sha256 is recorded, as errors name it.
const RECORDED_IN: &str = "config.sha256 in resonance.ml_models";

/// A loaded cross-encoder or projection with its file's digest.
type Cached<K, M> = RefCell<Option<(K, Rc<M>, Rc<FileDigest>)>>;

thread_local! {
    // A backend is single-threaded: thread_local is per backend.
    static BI_ENCODER: RefCell<Option<(LoadKey, Rc<BiEncoder>)>> = const { RefCell::new(None) };
    static CROSS_ENCODER: Cached<LoadKey, CrossEncoder> = const { RefCell::new(None) };
    static PROJECTION: Cached<PathBuf, Projection> = const { RefCell::new(None) };
}

/// A model row of resonance.ml_models.
#[derive(Clone)]
pub struct RegisteredModel {
    pub id: pgrx::Uuid,
    pub name: String,
    pub version: String,
    artifact_path: String,
    base: Option<String>,
    /// config.sha256: the sha256 of the model's weight file (`FileDigest::check`).
    sha256: Option<String>,
}

impl RegisteredModel {
    /// The artifact's directory under resonance.model_dir (`path_inside_model_dir`).
    fn dir(&self) -> PathBuf {
        self.inside_model_dir(&self.artifact_path, "artifact_path")
    }

    /// The base model a delta cross-encoder's layers sit on (config.base), checked the same
    /// way as the artifact itself.
    fn base_dir(&self) -> PathBuf {
        self.inside_model_dir(self.base_name(), "config.base")
    }

    /// config.base, the base bi-encoder when the row names none.
    fn base_name(&self) -> &str {
        self.base.as_deref().unwrap_or(BASE_BI_ENCODER)
    }

    fn inside_model_dir(&self, relative: &str, field: &str) -> PathBuf {
        let what = format!("model {}@{}: {field}", self.name, self.version);
        path_inside_model_dir(&settings::model_dir(), relative, &what).unwrap_or_else(|e| raise(e))
    }
}

/// How many columns `registered_model_query` selects.
pub const MODEL_COLUMNS: usize = 6;

/// The query of a registered model's row: of type `model_type`, the version
/// `version` names or, when it is NULL, the active one. Both are SQL expressions (parameters
/// of the query it is part of: resonance_match reads it with the rows it needs).
pub fn registered_model_query(model_type: &str, version: &str) -> String {
    format!(
        "SELECT id, name, version, artifact_path, config->>'base', config->>'sha256' FROM resonance.ml_models
         WHERE model_type = {model_type} AND ({version}::text IS NULL AND is_active OR version = {version})
         ORDER BY is_active DESC, created_at DESC LIMIT 1"
    )
}

impl RegisteredModel {
    /// The model in the columns `first..first + MODEL_COLUMNS` of `row`, as `registered_model_query`
    /// selects them; None where they are NULL (no such model).
    pub fn from_row(row: &SpiHeapTupleData<'_>, first: usize) -> Option<Self> {
        let text = |i: usize| row.get::<String>(first + i).or_raise(READING_MODELS);
        let id = row.get::<pgrx::Uuid>(first).or_raise(READING_MODELS)?;
        Some(RegisteredModel {
            id,
            name: text(1).unwrap_or_default(),
            version: text(2).unwrap_or_default(),
            artifact_path: text(3).unwrap_or_default(),
            base: text(4),
            sha256: text(5),
        })
    }

    /// "name@version", as the statistics name a model.
    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

/// What an SPI failure reading the registry was doing (`OrRaise`).
const READING_MODELS: &str = "reading resonance.ml_models";

/// The registered cross-encoder, loading it on first use. A directory holding
/// `delta.safetensors` is this project's own (trained layers over the base bi-encoder
/// named by config.base); anything else must be a BertForSequenceClassification checkpoint.
/// Its weight file is checked against the row's config.sha256 (`FileDigest::check`).
pub fn cross_encoder(model: &RegisteredModel) -> Rc<CrossEncoder> {
    apply_thread_setting();
    let key = LoadKey::new(model.dir(), Some(model.base_name().to_string()));
    let (m, digest) = cached_or_load(&CROSS_ENCODER, key, |key| load_cross_encoder(key, || model.base_dir()));
    digest.check(model);
    m
}

/// The model `cache` holds for `key`, or the one `load` loads (counted, and kept in place
/// of the one held), with its file's digest.
fn cached_or_load<K: PartialEq + 'static, M: 'static>(
    cache: &'static std::thread::LocalKey<Cached<K, M>>,
    key: K,
    load: impl FnOnce(&K) -> Result<(M, FileDigest)>,
) -> (Rc<M>, Rc<FileDigest>) {
    if let Some(held) = cache.with(|cell| {
        cell.borrow().as_ref().filter(|(loaded, _, _)| *loaded == key).map(|(_, m, d)| (m.clone(), d.clone()))
    }) {
        return held;
    }
    let (model, digest) = load(&key).unwrap_or_else(|e| raise(e));
    let (model, digest) = (Rc::new(model), Rc::new(digest));
    stats::count(Counter::ModelLoads, 1);
    cache.with(|cell| *cell.borrow_mut() = Some((key, model.clone(), digest.clone())));
    (model, digest)
}

/// The active bi-encoder's projection when the active bi-encoder is a fine-tuned one: the
/// bi-encoder row `model` (the active one, as the match's first query reads it) when its directory holds
/// projection.safetensors (`engine::projection`); None for the base model. A fine-tuned row
/// whose directory has no projection file falls back to the base model with a WARNING, so a
/// half-installed model never stops matching.
pub fn bi_projection(model: Option<RegisteredModel>) -> Option<(RegisteredModel, Rc<Projection>)> {
    let model = model?;
    let dir = model.dir();
    let path = dir.join(PROJECTION_FILE);
    if !path.exists() {
        if dir != settings::model_dir().join(BASE_BI_ENCODER) {
            pgrx::warning!(
                "bi-encoder {}@{}: {} is missing, using the base model {BASE_BI_ENCODER}",
                model.name,
                model.version,
                path.display()
            );
        }
        return None;
    }
    // config.sha256 of a projection row records projection.safetensors (the base model's
    // files are checked when it loads).
    let (projection, digest) =
        cached_or_load(&PROJECTION, path, |path| Ok((Projection::load(path)?, FileDigest::of(path.clone())?)));
    digest.check(&model);
    Some((model, projection))
}

/// The bi-encoder for the current settings, loading it on first use.
pub fn bi_encoder() -> Rc<BiEncoder> {
    apply_thread_setting();
    let key = LoadKey::new(settings::model_dir().join(BASE_BI_ENCODER), None);
    BI_ENCODER.with(|cell| {
        if let Some((loaded, model)) = cell.borrow().as_ref() {
            if *loaded == key {
                return model.clone();
            }
        }
        let model = Rc::new(load_bi_encoder(&key).unwrap_or_else(|e| raise(e)));
        stats::count(Counter::ModelLoads, 1);
        *cell.borrow_mut() = Some((key, model.clone()));
        model
    })
}

/// Loads the base bi-encoder (resonance.preload_bi_encoder) and the cross-encoder
/// resonance.preload_cross_encoder names into the postmaster's copy of these backend-local
/// caches, for every backend to inherit across fork. Failures are logged, never raised: an
/// ERROR here would stop the server, and backends report a missing model themselves when
/// they need it.
pub fn preload_in_postmaster() {
    let cross_encoder = settings::preload_cross_encoder();
    if !settings::PRELOAD_BI_ENCODER.get() && cross_encoder.is_none() {
        return;
    }
    apply_thread_setting();
    let model_dir = match settings::checked_model_dir() {
        Ok(dir) => dir,
        Err(e) => return pgrx::log!("resonance: models not preloaded: {e}"),
    };
    if settings::PRELOAD_BI_ENCODER.get() {
        let key = LoadKey::new(model_dir.join(BASE_BI_ENCODER), None);
        match load_bi_encoder(&key) {
            Ok(model) => {
                pgrx::log!("resonance: bi-encoder preloaded from {}; backends share its weights", key.dir.display());
                BI_ENCODER.with(|cell| *cell.borrow_mut() = Some((key, Rc::new(model))));
            }
            Err(e) => pgrx::log!("resonance: bi-encoder not preloaded: {e}"),
        }
    }
    if let Some(relative) = cross_encoder {
        // A delta is taken to sit on the base bi-encoder, the base every delta this project
        // trains names (config.base); a registered model naming another base loads its own.
        let key = match path_inside_model_dir(&model_dir, &relative, "resonance.preload_cross_encoder") {
            Ok(dir) => LoadKey::new(dir, Some(BASE_BI_ENCODER.to_string())),
            Err(e) => return pgrx::log!("resonance: cross-encoder not preloaded: {e}"),
        };
        match load_cross_encoder(&key, || model_dir.join(BASE_BI_ENCODER)) {
            Ok((model, digest)) => {
                // Its digest comes along: each backend checks its row against it, unread.
                pgrx::log!("resonance: cross-encoder preloaded from {}; backends share its weights", key.dir.display());
                CROSS_ENCODER.with(|cell| *cell.borrow_mut() = Some((key, Rc::new(model), Rc::new(digest))));
            }
            Err(e) => pgrx::log!("resonance: cross-encoder not preloaded: {e}"),
        }
    }
}

/// The matmuls and fused kernels follow resonance.threads; candle's element-wise ops stay
/// on the backend's thread (`threads::set_inference_threads` says why).
fn apply_thread_setting() {
    resonance_engine::threads::set_inference_threads(settings::threads());
}
