//! The taxonomy's version (`resonance.kg_version`, bumped by statement triggers on every kg_*
//! table) and the per-backend values built from the taxonomy that must be rebuilt when it
//! moves: the skill index (`skill_cache`) and the occupation labels (`occupation_cache`).

use std::cell::RefCell;
use std::rc::Rc;

use pgrx::prelude::*;
use pgrx::spi::SpiHeapTupleData;

use crate::postgres::error::OrRaise;

/// Which taxonomy a backend sees: its version, and the transaction that wrote that version.
/// The version alone can repeat: a transaction that changed the taxonomy and rolled back
/// bumped it to a number the next change will take again; the writing transaction's id
/// (the row's xmin) tells the two apart. `table` tells an extension dropped and created
/// again (its version restarts) from the one before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaxonomyStamp {
    pub version: i64,
    pub xmin: i64,
    pub table: u32,
}

/// The columns of the stamp of resonance.kg_version row `k`, as `TaxonomyStamp::from_row`
/// reads them (resonance_match reads them in its first query).
pub fn stamp_columns(k: &str) -> String {
    format!("{k}.version, {k}.xmin::text::bigint, {k}.tableoid::oid::bigint")
}

impl TaxonomyStamp {
    /// The stamp in the columns `first..first + 3` of `row` (`stamp_columns`); zeros where
    /// they are NULL.
    pub fn from_row(row: &SpiHeapTupleData<'_>, first: usize) -> Self {
        let get = |i: usize| row.get::<i64>(first + i).or_raise(READING_VERSION).unwrap_or(0);
        TaxonomyStamp { version: get(0), xmin: get(1), table: get(2) as u32 }
    }
}

/// The taxonomy's stamp now. Read with a plain SELECT: pgrx's `Spi::get_one` runs as an
/// update and takes a transaction id, which a hot standby refuses ("cannot assign
/// TransactionIds during recovery").
pub fn current_stamp() -> TaxonomyStamp {
    Spi::connect(|client| {
        let rows = client
            .select(&format!("SELECT {} FROM resonance.kg_version k", stamp_columns("k")), Some(1), &[])
            .or_raise(READING_VERSION);
        match rows.into_iter().next() {
            Some(row) => TaxonomyStamp::from_row(&row, 1),
            None => TaxonomyStamp { version: 0, xmin: 0, table: 0 },
        }
    })
}

const READING_VERSION: &str = "reading resonance.kg_version";

/// A value built from the taxonomy, kept for this backend while the version stands.
pub struct PerVersion<T>(RefCell<Option<(TaxonomyStamp, Rc<T>)>>);

impl<T> PerVersion<T> {
    pub const fn new() -> Self {
        Self(RefCell::new(None))
    }

    /// The value for the current taxonomy, built by `build` if there is none yet or the
    /// taxonomy changed since.
    pub fn get(&self, build: impl FnOnce(TaxonomyStamp) -> T) -> Rc<T> {
        self.get_at(current_stamp(), build)
    }

    /// The value for the taxonomy of `stamp`, read by the caller (resonance_match reads it
    /// with the rows it needs, saving a query). No borrow is held while `build` runs (it
    /// reads over SPI and may raise an ERROR).
    pub fn get_at(&self, stamp: TaxonomyStamp, build: impl FnOnce(TaxonomyStamp) -> T) -> Rc<T> {
        if let Some(value) = self.0.borrow().as_ref().filter(|(s, _)| *s == stamp).map(|(_, t)| t.clone()) {
            return value;
        }
        let value = Rc::new(build(stamp));
        *self.0.borrow_mut() = Some((stamp, value.clone()));
        value
    }
}
