//! Stopping long work on request: a forward pass or a tokenization asks, between its steps,
//! whether it should stop (a query cancel, a statement_timeout), so that a request to stop
//! is answered within one step instead of after the whole computation.
//!
//! The engine knows nothing of Postgres: the SQL layer passes an `Interrupt` that runs
//! Postgres's interrupt check (`postgres::error::PostgresInterrupt`); programs and tests
//! pass [`Uninterrupted`] or a closure.

use std::cell::Cell;

use super::error::{EngineError, Result};

/// Asked between the steps of a long computation whether to go on.
///
/// `check` returns Ok(()) to go on and an error (`EngineError::Canceled`) to stop; it may
/// also not return at all (Postgres's check raises an ERROR, which unwinds through the
/// engine), so the engine holds nothing across a check that Drop would not release.
/// The engine calls it only on the thread that called the engine, never from a worker
/// thread of a parallel kernel: Postgres's check must run on the backend's own thread.
pub trait Interrupt {
    fn check(&self) -> Result<()>;
}

/// Any closure returning Ok(()) to go on.
impl<F: Fn() -> Result<()>> Interrupt for F {
    fn check(&self) -> Result<()> {
        self()
    }
}

/// Never asks to stop: for programs outside Postgres and for tests.
pub struct Uninterrupted;

impl Interrupt for Uninterrupted {
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

/// Counts how often it is asked and asks to stop (`EngineError::Canceled`) at a given
/// time: for tests of where and how often a computation asks, and that it stops when told.
#[derive(Default)]
pub struct CountingInterrupt {
    asked: Cell<usize>,
    stop_at: Option<usize>,
}

impl CountingInterrupt {
    /// Never asks to stop.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks to stop the `n`-th time it is asked (1-based).
    pub fn stopping_at(n: usize) -> Self {
        Self { asked: Cell::new(0), stop_at: Some(n) }
    }

    /// How often it has been asked.
    pub fn asked(&self) -> usize {
        self.asked.get()
    }
}

impl Interrupt for CountingInterrupt {
    fn check(&self) -> Result<()> {
        self.asked.set(self.asked.get() + 1);
        if self.stop_at == Some(self.asked.get()) {
            return Err(EngineError::Canceled);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closure_is_an_interrupt_and_uninterrupted_never_stops() {
        let stop = || Err(EngineError::Canceled);
        assert!(matches!(stop.check(), Err(EngineError::Canceled)));
        assert!(Uninterrupted.check().is_ok());
    }

    #[test]
    fn a_counting_interrupt_stops_once_at_its_turn() {
        let counting = CountingInterrupt::stopping_at(2);
        let answers: Vec<bool> = (0..3).map(|_| counting.check().is_ok()).collect();
        assert_eq!((answers, counting.asked()), (vec![true, false, true], 3));
    }
}
