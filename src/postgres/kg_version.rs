//! The taxonomy's version (`resonance.kg_version`, bumped by statement triggers on every kg_*
//! table) and the per-backend values built from the taxonomy that must be rebuilt when it
//! moves: the skill index (`skill_cache`) and the occupation labels (`occupation_cache`).

use std::cell::RefCell;
use std::rc::Rc;

use pgrx::prelude::*;

use crate::postgres::error::OrRaise;

/// The taxonomy's version now. Read with a plain SELECT: pgrx's `Spi::get_one` runs as an
/// update and takes a transaction id, which a hot standby refuses ("cannot assign
/// TransactionIds during recovery").
pub fn current_version() -> i64 {
    Spi::connect(|client| {
        client
            .select("SELECT version FROM resonance.kg_version", Some(1), &[])
            .and_then(|rows| rows.first().get_one::<i64>())
            .or_raise("reading resonance.kg_version")
            .unwrap_or(0)
    })
}

/// A value built from the taxonomy, kept for this backend while the version stands.
pub struct PerVersion<T>(RefCell<Option<(i64, Rc<T>)>>);

impl<T> PerVersion<T> {
    pub const fn new() -> Self {
        Self(RefCell::new(None))
    }

    /// The value for the current version, built by `build` if there is none yet or the
    /// taxonomy changed since. No borrow is held while `build` runs (it reads over SPI and
    /// may raise an ERROR).
    pub fn get(&self, build: impl FnOnce() -> T) -> Rc<T> {
        let version = current_version();
        if let Some(value) = self.0.borrow().as_ref().filter(|(v, _)| *v == version).map(|(_, t)| t.clone()) {
            return value;
        }
        let value = Rc::new(build());
        *self.0.borrow_mut() = Some((version, value.clone()));
        value
    }
}
