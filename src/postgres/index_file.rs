//! Skill index files: one snapshot per taxonomy under `$PGDATA/resonance/`, written once by
//! the first backend that needs it and memory-mapped by every backend after, so the server
//! holds one copy in the page cache instead of one per connection (README, "Memory").
//!
//! A file is named by database, taxonomy table and stamp (`TaxonomyStamp`), so a name
//! never stands for two taxonomies. It is written under a temporary name, synced and renamed
//! into place: a reader sees the whole file or none. Files are a cache: deleting them is
//! always safe (the next backend rebuilds it), and a hot standby writes its own in its own
//! data directory. A base backup copies them along, correctly: the same oids and stamps
//! stand for the same taxonomy there.

use std::ffi::CStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use pgrx::pg_sys;

use crate::postgres::kg_version::TaxonomyStamp;
use resonance_engine::skills::index::SNAPSHOT_VERSION;

/// The directory under the data directory.
const DIRECTORY: &str = "resonance";

/// `skills-<database oid>-<table oid>-`: the prefix of one database's index files.
fn prefix(stamp: &TaxonomyStamp) -> String {
    // SAFETY: MyDatabaseId is set before any SQL function runs and never changes after.
    let database = unsafe { pg_sys::MyDatabaseId };
    format!("skills-{}-{}-", database.to_u32(), stamp.table)
}

fn directory() -> PathBuf {
    // SAFETY: DataDir is set at postmaster start and never changes after.
    let data = unsafe { CStr::from_ptr(pg_sys::DataDir) };
    Path::new(&*data.to_string_lossy()).join(DIRECTORY)
}

/// Where the index of `stamp` lives. The format version is in the name, so that during an
/// upgrade backends of the old and the new library never open each other's files.
pub fn path_for(stamp: &TaxonomyStamp) -> PathBuf {
    let name = format!("{}{}-{}-f{SNAPSHOT_VERSION}.idx", prefix(stamp), stamp.version, stamp.xmin);
    directory().join(name)
}

/// The file at `path`, mapped read-only; None when there is none.
pub fn map(path: &Path) -> std::io::Result<Option<memmap2::Mmap>> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    // SAFETY: index files are only ever created whole by rename (`publish`) and never
    // written again; a file is replaced by unlinking, which leaves existing maps intact.
    Ok(Some(unsafe { memmap2::Mmap::map(&file)? }))
}

/// Writes `bytes` as the index of `stamp`, atomically, then removes the same database's
/// files of older taxonomies (backends that map them keep their pages until they let go).
pub fn publish(stamp: &TaxonomyStamp, bytes: &[u8]) -> std::io::Result<()> {
    let path = path_for(stamp);
    fs::create_dir_all(directory())?;
    let temporary = path.with_extension(format!("tmp.{}", std::process::id()));
    let written = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, &path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written?;
    remove_older(stamp);
    Ok(())
}

/// Removes the index files nothing can use any more:
/// - this database and table's files of a version below `stamp`'s, or of its version and
///   another transaction: one that rolled back (a committed change always takes a new version);
/// - this database's files of another taxonomy table (the extension was dropped and created
///   again: the old table's oid never comes back while this database lives);
/// - files of databases that no longer exist (DROP DATABASE leaves its files here).
fn remove_older(stamp: &TaxonomyStamp) {
    let current = path_for(stamp);
    // SAFETY: MyDatabaseId is set before any SQL function runs and never changes after.
    let this_database = unsafe { pg_sys::MyDatabaseId }.to_u32();
    let Ok(entries) = fs::read_dir(directory()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((database, table, version)) = parse_name(&name) else { continue };
        let stale = if database == this_database {
            table != stamp.table || version <= stamp.version
        } else {
            !database_exists(database)
        };
        if stale && entry.path() != current {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// (database oid, table oid, version) of an index file's name (`path_for`), None for other
/// names; temporary files of a write in progress are never removed here.
fn parse_name(name: &str) -> Option<(u32, u32, i64)> {
    if !name.ends_with(".idx") {
        return None;
    }
    let mut parts = name.strip_prefix("skills-")?.split('-');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Whether a database of that oid exists (a catalog cache lookup; we are in a transaction).
fn database_exists(oid: u32) -> bool {
    // SAFETY: called from a backend inside a transaction, as get_database_name requires; the
    // name it returns is palloc'd in the current memory context and freed with it.
    !unsafe { pg_sys::get_database_name(pg_sys::Oid::from(oid)) }.is_null()
}
