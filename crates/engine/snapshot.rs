//! A snapshot: named sections of plain little-endian arrays in one byte buffer, read where
//! they lie. A structure that is written once and then only read (the skill index) lays
//! itself out as sections, so one copy of it can serve every process that maps the same
//! file: nothing is parsed into per-process heap memory, and opening costs a table lookup.
//!
//! Layout: `MAGIC`, the sections (each aligned to 8 bytes), the section table (kind, format
//! version, then name, offset and length of each section), the table's offset (u64), the
//! checksum (u64), `MAGIC`. The table sits at the end so sections can be written as they are
//! produced.
//!
//! The checksum is the CRC-32 of every byte before it, verified by `Snapshot::open`: a
//! snapshot is read in place, so a byte damaged on disk would otherwise become an index out
//! of bounds deep in a search, or, worse, a different answer. CRC-32 (crc32fast, with the
//! CPU's carry-less multiply) reads the full index's 43 MB in 6-13 ms (README, "Memory"),
//! once per process that opens it; it catches every burst of damage up to 32 bits and all
//! but one in 4 billion others, which is what a cache file needs (it guards against
//! accidents, not against an attacker, who could write the kg_* tables instead).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use crate::error::{EngineError, Result};

/// The bytes of a snapshot: a `Vec` when built in this process, a mapped file when loaded.
pub type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

const MAGIC: &[u8; 8] = b"RESNSNAP";

/// Sections start at multiples of this, so a mapped file's arrays are aligned.
const ALIGN: usize = 8;

/// Builds a snapshot section by section.
pub struct SnapshotWriter {
    buf: Vec<u8>,
    sections: Vec<(String, Range<usize>)>,
}

impl Default for SnapshotWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl SnapshotWriter {
    pub fn new() -> Self {
        SnapshotWriter { buf: MAGIC.to_vec(), sections: Vec::new() }
    }

    /// Appends a section of raw bytes.
    pub fn bytes(&mut self, name: &str, bytes: &[u8]) {
        self.section(name, |buf| buf.extend_from_slice(bytes));
    }

    pub fn u32s(&mut self, name: &str, values: impl IntoIterator<Item = u32>) {
        self.section(name, |buf| values.into_iter().for_each(|v| buf.extend_from_slice(&v.to_le_bytes())));
    }

    pub fn f64s(&mut self, name: &str, values: impl IntoIterator<Item = f64>) {
        self.section(name, |buf| values.into_iter().for_each(|v| buf.extend_from_slice(&v.to_le_bytes())));
    }

    /// Appends a list of strings as two sections: `<name>.offsets` (n + 1 byte offsets) and
    /// `<name>.text` (the strings back to back).
    pub fn strings<'s>(&mut self, name: &str, values: impl IntoIterator<Item = &'s str>) {
        let mut offsets = vec![0u32];
        let mut text = Vec::new();
        for s in values {
            text.extend_from_slice(s.as_bytes());
            offsets.push(text.len() as u32);
        }
        self.u32s(&format!("{name}.offsets"), offsets);
        self.bytes(&format!("{name}.text"), &text);
    }

    fn section(&mut self, name: &str, write: impl FnOnce(&mut Vec<u8>)) {
        self.pad();
        let start = self.buf.len();
        write(&mut self.buf);
        self.sections.push((name.to_string(), start..self.buf.len()));
    }

    fn pad(&mut self) {
        self.buf.resize(self.buf.len().next_multiple_of(ALIGN), 0);
    }

    /// The finished snapshot of `kind` in format `version`.
    pub fn finish(mut self, kind: &str, version: u32) -> Vec<u8> {
        self.pad();
        let table = self.buf.len() as u64;
        put_str(&mut self.buf, kind);
        self.buf.extend_from_slice(&version.to_le_bytes());
        self.buf.extend_from_slice(&(self.sections.len() as u32).to_le_bytes());
        for (name, range) in &self.sections {
            put_str(&mut self.buf, name);
            self.buf.extend_from_slice(&(range.start as u64).to_le_bytes());
            self.buf.extend_from_slice(&(range.len() as u64).to_le_bytes());
        }
        self.buf.extend_from_slice(&table.to_le_bytes());
        let checksum = checksum(&self.buf);
        self.buf.extend_from_slice(&checksum.to_le_bytes());
        self.buf.extend_from_slice(MAGIC);
        self.buf
    }
}

/// The checksum of a snapshot's bytes up to the checksum field (`SnapshotWriter::finish`).
fn checksum(covered: &[u8]) -> u64 {
    u64::from(crc32fast::hash(covered))
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

/// An opened snapshot: its bytes and where each section lies.
pub struct Snapshot {
    bytes: SharedBytes,
    sections: HashMap<String, Range<usize>>,
}

impl Snapshot {
    /// Opens `bytes` as a snapshot of `kind` in format `version`; errors name what is wrong
    /// (a truncated or foreign file, another format version).
    pub fn open(bytes: SharedBytes, kind: &str, version: u32) -> Result<Self> {
        let what = format!("{kind} snapshot");
        if cfg!(target_endian = "big") {
            return Err(EngineError::Io { what, reason: "snapshots are little-endian, this machine is not".into() });
        }
        // A mapped file starts on a page; a Vec from the allocator on 16 bytes in practice.
        // Anything else is copied once so that every section's values are aligned.
        let bytes = if (*bytes).as_ref().as_ptr() as usize % ALIGN == 0 { bytes } else { AlignedCopy::of((*bytes).as_ref()) };
        let sections = read_table((*bytes).as_ref(), kind, version).map_err(|reason| EngineError::Io { what, reason })?;
        Ok(Snapshot { bytes, sections })
    }

    /// The whole snapshot, as written.
    pub fn as_bytes(&self) -> &[u8] {
        (*self.bytes).as_ref()
    }

    fn range(&self, name: &str, width: usize) -> Result<Range<usize>> {
        let range = self.sections.get(name).cloned().ok_or_else(|| self.corrupt(format!("it has no section {name}")))?;
        if range.len() % width != 0 {
            return Err(self.corrupt(format!("section {name} is not a whole number of {width}-byte values")));
        }
        Ok(range)
    }

    fn corrupt(&self, reason: String) -> EngineError {
        EngineError::Io { what: "snapshot".into(), reason }
    }

    pub fn bytes(&self, name: &str) -> Result<Column<u8>> {
        Ok(Column::new(self.bytes.clone(), self.range(name, 1)?))
    }

    pub fn u32s(&self, name: &str) -> Result<Column<u32>> {
        Ok(Column::new(self.bytes.clone(), self.range(name, 4)?))
    }

    pub fn f64s(&self, name: &str) -> Result<Column<f64>> {
        Ok(Column::new(self.bytes.clone(), self.range(name, 8)?))
    }

    /// A list written by `SnapshotWriter::strings`.
    pub fn strings(&self, name: &str) -> Result<Strings> {
        let offsets = self.u32s(&format!("{name}.offsets"))?;
        let text = self.bytes(&format!("{name}.text"))?;
        let (all, view) = (offsets.view(), text.view());
        let ordered = (1..all.len()).all(|i| all.get(i - 1) <= all.get(i));
        if all.is_empty() || !ordered || all.get(all.len() - 1) as usize != view.len() {
            return Err(self.corrupt(format!("the offsets of {name} do not fit its text")));
        }
        Ok(Strings { offsets, text })
    }
}

/// Bytes copied into 8-byte words, so they start aligned.
struct AlignedCopy {
    words: Vec<u64>,
    len: usize,
}

impl AlignedCopy {
    fn of(bytes: &[u8]) -> SharedBytes {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
        Arc::new(AlignedCopy { words, len: bytes.len() })
    }
}

impl AsRef<[u8]> for AlignedCopy {
    fn as_ref(&self) -> &[u8] {
        &bytemuck::cast_slice(&self.words)[..self.len]
    }
}

/// The bytes after the section table: its offset, the checksum, `MAGIC`.
const TRAILER: usize = 24;

/// Checks the frame and the checksum, then reads the section table; the error says what
/// does not fit.
fn read_table(b: &[u8], kind: &str, version: u32) -> std::result::Result<HashMap<String, Range<usize>>, String> {
    let mut r = Reader { b, at: 0 };
    if b.len() < MAGIC.len() + TRAILER || &b[..8] != MAGIC || &b[b.len() - 8..] != MAGIC {
        return Err("it is not a snapshot file, or it is truncated".into());
    }
    let (covered, stored) = (&b[..b.len() - 16], u64::from_le_bytes(r.fixed(b.len() - 16)?));
    let computed = checksum(covered);
    if computed != stored {
        // Checked before anything else is read: the table itself may be what is damaged.
        return Err(format!(
            "its checksum does not match its contents (stored {stored:08x}, computed {computed:08x}): \
             the file is damaged, or of an older format"
        ));
    }
    r.at = u64::from_le_bytes(r.fixed(b.len() - TRAILER)?) as usize;
    let found = r.string()?;
    let found_version = u32::from_le_bytes(r.next()?);
    if found != kind || found_version != version {
        return Err(format!("it holds {found} format {found_version}, not {kind} format {version}"));
    }
    let count = u32::from_le_bytes(r.next()?);
    let mut sections = HashMap::new();
    for _ in 0..count {
        let name = r.string()?;
        let start = u64::from_le_bytes(r.next()?) as usize;
        let len = u64::from_le_bytes(r.next()?) as usize;
        if start % ALIGN != 0 || start.checked_add(len).is_none_or(|end| end > b.len()) {
            return Err(format!("section {name} lies outside the file"));
        }
        sections.insert(name, start..start + len);
    }
    Ok(sections)
}

/// Reads the section table front to back.
struct Reader<'b> {
    b: &'b [u8],
    at: usize,
}

impl Reader<'_> {
    fn fixed<const N: usize>(&self, at: usize) -> std::result::Result<[u8; N], String> {
        self.b.get(at..at + N).and_then(|s| s.try_into().ok()).ok_or_else(|| "its section table is cut short".into())
    }

    fn next<const N: usize>(&mut self) -> std::result::Result<[u8; N], String> {
        let v = self.fixed(self.at)?;
        self.at += N;
        Ok(v)
    }

    fn string(&mut self) -> std::result::Result<String, String> {
        let len = u32::from_le_bytes(self.next()?) as usize;
        let s = self.b.get(self.at..self.at + len).ok_or("its section table is cut short")?;
        self.at += len;
        String::from_utf8(s.to_vec()).map_err(|_| "its section table is not UTF-8".into())
    }
}

/// A value stored little-endian in a snapshot, read in place (a typed slice over the
/// bytes: sections are aligned, and `Snapshot::open` refuses big-endian machines).
pub trait Plain: bytemuck::Pod {}

impl Plain for u8 {}
impl Plain for u32 {}
impl Plain for f64 {}

/// One section as an array of `T`. It keeps the snapshot alive; `view` borrows it for the
/// reads of one call, so the shared bytes are looked up once per call, not per value.
pub struct Column<T> {
    bytes: SharedBytes,
    range: Range<usize>,
    _type: std::marker::PhantomData<T>,
}

impl<T: Plain> Column<T> {
    fn new(bytes: SharedBytes, range: Range<usize>) -> Self {
        Column { bytes, range, _type: std::marker::PhantomData }
    }

    pub fn view(&self) -> View<'_, T> {
        // Sections start at multiples of ALIGN of a buffer `Snapshot::open` checked to be
        // aligned, and their lengths are whole values (`Snapshot::range`): the cast holds.
        View(bytemuck::cast_slice(&(*self.bytes).as_ref()[self.range.clone()]))
    }

    pub fn len(&self) -> usize {
        self.range.len() / std::mem::size_of::<T>()
    }

    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

/// A borrowed array of `T` inside a snapshot.
#[derive(Clone, Copy)]
pub struct View<'a, T>(&'a [T]);

impl<'a, T: Plain> View<'a, T> {
    #[inline]
    pub fn get(&self, i: usize) -> T {
        self.0[i]
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(self) -> impl Iterator<Item = T> + 'a {
        self.0.iter().copied()
    }

    pub fn as_slice(&self) -> &'a [T] {
        self.0
    }
}

/// A list of strings inside a snapshot.
pub struct Strings {
    offsets: Column<u32>,
    text: Column<u8>,
}

impl Strings {
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// String `i`; "" if the bytes there are not UTF-8 (a damaged file names nothing).
    pub fn get(&self, i: usize) -> &str {
        let offsets = self.offsets.view();
        let bytes = &self.text.view().as_slice()[offsets.get(i) as usize..offsets.get(i + 1) as usize];
        std::str::from_utf8(bytes).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written() -> Vec<u8> {
        let mut w = SnapshotWriter::new();
        w.u32s("ids", [7, 8, 9]);
        w.bytes("flags", &[1, 0]);
        w.f64s("weights", [0.5, -1.25]);
        w.strings("names", ["Python", "", "C++"]);
        w.finish("test", 3)
    }

    fn open(bytes: Vec<u8>) -> Result<Snapshot> {
        Snapshot::open(Arc::new(bytes), "test", 3)
    }

    #[test]
    fn sections_read_back_as_written() {
        let s = open(written()).unwrap();
        assert_eq!(s.u32s("ids").unwrap().view().iter().collect::<Vec<_>>(), [7, 8, 9]);
        assert_eq!(s.bytes("flags").unwrap().view().as_slice(), [1, 0]);
        assert_eq!(s.f64s("weights").unwrap().view().get(1), -1.25);
        let names = s.strings("names").unwrap();
        assert_eq!((names.len(), names.get(0), names.get(1), names.get(2)), (3, "Python", "", "C++"));
    }

    #[test]
    fn every_section_is_aligned() {
        let s = open(written()).unwrap();
        assert!(s.sections.values().all(|r| r.start % ALIGN == 0));
    }

    #[test]
    fn misaligned_bytes_are_copied_to_an_aligned_buffer() {
        // The snapshot one byte into a buffer: open must still read every section.
        let mut shifted = vec![0u8];
        shifted.extend(written());
        struct Tail(Vec<u8>);
        impl AsRef<[u8]> for Tail {
            fn as_ref(&self) -> &[u8] {
                &self.0[1..]
            }
        }
        let s = Snapshot::open(Arc::new(Tail(shifted)), "test", 3).unwrap();
        assert_eq!(s.f64s("weights").unwrap().view().get(0), 0.5);
        assert_eq!(s.strings("names").unwrap().get(2), "C++");
    }

    #[test]
    fn damaged_or_foreign_bytes_are_refused_with_the_reason() {
        let bytes = written();
        let message = |r: Result<Snapshot>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message(open(bytes[..bytes.len() - 3].to_vec())).contains("truncated"));
        assert!(message(open(b"not a snapshot at all, clearly".to_vec())).contains("not a snapshot"));
        assert!(message(Snapshot::open(Arc::new(bytes.clone()), "test", 4)).contains("test format 3"));
        assert!(message(Snapshot::open(Arc::new(bytes.clone()), "other", 3)).contains("not other format 3"));
        let s = open(bytes).unwrap();
        assert!(s.u32s("missing").err().unwrap().to_string().contains("no section missing"));
        assert!(s.u32s("weights").is_ok() && s.u32s("flags").is_err());
    }

    /// `bytes` with the byte at `at` inverted.
    fn damaged(mut bytes: Vec<u8>, at: usize) -> Vec<u8> {
        bytes[at] ^= 0xff;
        bytes
    }

    #[test]
    fn a_damaged_byte_anywhere_is_refused_by_the_checksum() {
        let bytes = written();
        let len = bytes.len();
        // The first section's values, a string's text, the section table's kind, a
        // section's offset in the table, the table's offset, the checksum itself.
        let table = u64::from_le_bytes(bytes[len - TRAILER..len - 16].try_into().unwrap()) as usize;
        for at in [8, 9, table - 3, table + 5, table + 30, len - TRAILER, len - 16, len - 9] {
            let err = open(damaged(bytes.clone(), at)).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("checksum does not match"), "byte {at} of {len}: {err:?}");
        }
        // The frame's magic is checked first, and says so.
        let err = open(damaged(bytes.clone(), 0)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("not a snapshot"), "{err}");
        assert!(open(bytes).is_ok());
    }

    #[test]
    fn the_checksum_is_written_where_open_reads_it() {
        let bytes = written();
        let stored = u64::from_le_bytes(bytes[bytes.len() - 16..bytes.len() - 8].try_into().unwrap());
        assert_eq!(stored, u64::from(crc32fast::hash(&bytes[..bytes.len() - 16])));
    }

    /// The cost of opening a snapshot of the full skill index's size (about 43 MB), nearly
    /// all of it the checksum: `cargo test -p resonance-engine --release snapshot_open_cost
    /// -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn snapshot_open_cost() {
        let mut w = SnapshotWriter::new();
        w.bytes("payload", &(0..43u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect::<Vec<_>>());
        let bytes: SharedBytes = Arc::new(w.finish("test", 3));
        let mut ms: Vec<f64> = (0..11)
            .map(|_| {
                let t = std::time::Instant::now();
                Snapshot::open(bytes.clone(), "test", 3).unwrap();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        println!("snapshot of {} bytes: open median {:.2} ms (min {:.2}, max {:.2})", (*bytes).as_ref().len(), ms[5], ms[0], ms[10]);
        assert!(ms[5] < 100.0, "opening a 43 MB snapshot took {} ms", ms[5]);
    }
}
