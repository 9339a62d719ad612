//! The taxonomy's version (`resonance.kg_version`, bumped by statement triggers on every kg_*
//! table) and the per-backend values built from the taxonomy that must be rebuilt when it
//! moves: the skill index (`skill_cache`) and the occupation labels (`occupation_cache`).

use std::cell::RefCell;
use std::ffi::CStr;
use std::rc::Rc;

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::SpiHeapTupleData;
use pgrx::{pg_sys, PgLogLevel};

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

/// The tables the taxonomy is built from: the skill index (`skill_cache`) and the
/// occupation index (`occupation_cache`) read all of them.
const TAXONOMY_TABLES: [&str; 5] = [
    "resonance.kg_skills",
    "resonance.kg_skill_relations",
    "resonance.kg_titles",
    "resonance.kg_title_skills",
    "resonance.kg_title_labels",
];

/// How many columns `stamp_columns` selects.
pub const STAMP_COLUMNS: usize = 4;

/// The columns of the stamp of resonance.kg_version row `k`, and whether row-level security
/// filters a kg_* table for the current user, as `CurrentTaxonomy::from_row` reads them
/// (resonance_match reads them in its first query).
pub fn stamp_columns(k: &str) -> String {
    format!("{k}.version, {k}.xmin::text::bigint, {k}.tableoid::oid::bigint, {}", row_security_column())
}

/// An SQL expression: the first of `TAXONOMY_TABLES` whose rows row-level security filters
/// for the current user, NULL when it filters none.
///
/// Why it is asked on every use, in the query that reads the stamp: the skill index is one
/// file for every role (and the occupation index one per backend, whichever role is set),
/// built from the whole taxonomy, so a role that sees part of it must be refused, not
/// served the whole nor allowed to build from its part. Whether a role is filtered cannot
/// be cached with the stamp: ENABLE ROW LEVEL SECURITY, a new policy or SET ROLE change it
/// without touching kg_version. Asked here it costs no round trip: row_security_active on
/// a table without row security is one catalog cache lookup (five per call: 3 µs more per
/// stamp query, README "Memory"; the regclass constants are resolved when the query is
/// planned, and a kept plan is replanned when a table is dropped).
fn row_security_column() -> String {
    let whens: String =
        TAXONOMY_TABLES.iter().map(|t| format!(" WHEN row_security_active('{t}'::regclass) THEN '{t}'")).collect();
    format!("CASE{whens} END")
}

/// The taxonomy's stamp as the current user read it.
#[derive(Clone, Copy, Debug)]
pub struct CurrentTaxonomy {
    stamp: TaxonomyStamp,
    /// The first kg_* table whose rows row-level security filters for the current user.
    filtered: Option<&'static str>,
}

impl CurrentTaxonomy {
    /// The stamp in the columns `first..first + STAMP_COLUMNS` of `row` (`stamp_columns`);
    /// zeros where they are NULL.
    pub fn from_row(row: &SpiHeapTupleData<'_>, first: usize) -> Self {
        let get = |i: usize| row.get::<i64>(first + i).or_raise(READING_VERSION).unwrap_or(0);
        let filtered = row.get::<String>(first + 3).or_raise(READING_VERSION);
        CurrentTaxonomy {
            stamp: TaxonomyStamp { version: get(0), xmin: get(1), table: get(2) as u32 },
            filtered: filtered.and_then(|name| TAXONOMY_TABLES.into_iter().find(|t| *t == name)),
        }
    }

    /// The stamp, to build or use a value built from the whole taxonomy; ERROR 42501 when
    /// row-level security filters a kg_* table for the current user (`row_security_column`).
    pub fn seen_whole(self) -> TaxonomyStamp {
        if let Some(table) = self.filtered {
            refuse_filtered(table);
        }
        self.stamp
    }
}

/// Raises 42501 for a user whose view of `table` row-level security filters.
fn refuse_filtered(table: &str) -> ! {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        format!("resonance: row-level security is active on {table} for role {}", current_role()),
        pgrx::function_name!(),
    )
    .set_detail(
        "The skill index is built from the whole taxonomy (the resonance.kg_* tables) and shared by every \
         role, so it can neither be built from nor shown to a role that sees part of it.",
    )
    .set_hint(
        "Disable row-level security on the resonance.kg_* tables (ALTER TABLE ... DISABLE ROW LEVEL SECURITY), \
         or give the role BYPASSRLS.",
    )
    .report(PgLogLevel::ERROR);
    unreachable!("an ERROR does not return")
}

/// The current user's name (row-level security applies to it: SET ROLE, SECURITY DEFINER).
fn current_role() -> String {
    // SAFETY: called in a transaction from the backend's thread; GetUserNameFromId returns a
    // palloc'd name (or raises for an unknown role, which the current user never is).
    unsafe { CStr::from_ptr(pg_sys::GetUserNameFromId(pg_sys::GetUserId(), false)) }.to_string_lossy().into_owned()
}

/// Before a build reads the taxonomy: takes ACCESS SHARE locks on the kg_* tables, so that
/// no ALTER TABLE (ENABLE ROW LEVEL SECURITY) or CREATE POLICY commits until this
/// transaction ends, then asks again whether row-level security filters one for the current
/// user. What the build reads is then the whole taxonomy, even if row security was switched
/// on after the stamp was read. The locks are taken by a SELECT that reads no row (its
/// parse locks each table until the transaction ends): LOCK TABLE through SPI would need a
/// transaction id, which a hot standby cannot assign. A build is rare: these two queries are
/// not on the hot path.
pub fn lock_whole_taxonomy() {
    Spi::connect(|client| {
        client
            .select(&format!("SELECT FROM {} WHERE false", TAXONOMY_TABLES.join(", ")), None, &[])
            .or_raise(READING_VERSION);
        let row = client.select(&format!("SELECT {}", row_security_column()), Some(1), &[]).or_raise(READING_VERSION);
        if let Some(table) = row.into_iter().next().and_then(|r| r.get::<String>(1).or_raise(READING_VERSION)) {
            refuse_filtered(&table);
        }
    });
}

/// The taxonomy's stamp now. Read with a plain SELECT: pgrx's `Spi::get_one` runs as an
/// update and takes a transaction id, which a hot standby refuses ("cannot assign
/// TransactionIds during recovery").
pub fn current_stamp() -> CurrentTaxonomy {
    Spi::connect(|client| {
        let rows = client
            .select(&format!("SELECT {} FROM resonance.kg_version k", stamp_columns("k")), Some(1), &[])
            .or_raise(READING_VERSION);
        match rows.into_iter().next() {
            Some(row) => CurrentTaxonomy::from_row(&row, 1),
            None => CurrentTaxonomy { stamp: TaxonomyStamp { version: 0, xmin: 0, table: 0 }, filtered: None },
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
    /// taxonomy changed since; ERROR 42501 for a user that sees part of the taxonomy
    /// (`CurrentTaxonomy::seen_whole`).
    pub fn get(&self, build: impl FnOnce(TaxonomyStamp) -> T) -> Rc<T> {
        self.get_at(current_stamp().seen_whole(), build)
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
