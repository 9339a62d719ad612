//! How the extension fails: engine errors raised as Postgres ERRORs with the SQLSTATE of
//! their kind, SPI failures of our own queries, and the interrupt checks that let a cancel
//! end a statement.

use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::PgLogLevel;

use resonance_engine::error::{EngineError, ErrorKind};
use resonance_engine::interrupt::Interrupt;

/// Reports an engine error as a Postgres ERROR with the SQLSTATE of its kind. Never returns.
pub fn raise(e: EngineError) -> ! {
    let code = match e.kind() {
        ErrorKind::InvalidInput => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        ErrorKind::NullArgument => PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
        ErrorKind::NotFound => PgSqlErrorCode::ERRCODE_NO_DATA_FOUND,
        ErrorKind::MissingFile => PgSqlErrorCode::ERRCODE_UNDEFINED_FILE,
        ErrorKind::Io => PgSqlErrorCode::ERRCODE_IO_ERROR,
        ErrorKind::Corrupt => PgSqlErrorCode::ERRCODE_DATA_CORRUPTED,
        ErrorKind::TooLarge => PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
        ErrorKind::Canceled => PgSqlErrorCode::ERRCODE_QUERY_CANCELED,
        ErrorKind::NotSetUp => PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        ErrorKind::Internal => PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
    };
    let mut report = ErrorReport::new(code, format!("resonance: {e}"), pgrx::function_name!());
    if let Some(hint) = e.hint() {
        report = report.set_hint(hint);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("an ERROR does not return")
}

/// An SPI failure of one of our own queries: a bug or a broken installation, never the
/// caller's input, so it is an internal error naming what was being read.
pub fn spi_failure(what: &str, e: pgrx::spi::Error) -> ! {
    ereport!(ERROR, PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("resonance: {what} failed: {e}"));
}

/// `.or_raise(what)` on the result of an SPI call: its value, or `spi_failure(what)`.
pub trait OrRaise<T> {
    fn or_raise(self, what: &str) -> T;
}

impl<T> OrRaise<T> for std::result::Result<T, pgrx::spi::Error> {
    fn or_raise(self, what: &str) -> T {
        self.unwrap_or_else(|e| spi_failure(what, e))
    }
}

/// Between two batches: lets a pending cancel or statement_timeout end the statement.
pub fn check_for_interrupts() {
    pg_sys::check_for_interrupts!();
}

/// The engine's `Interrupt` inside a backend: Postgres's CHECK_FOR_INTERRUPTS, so a cancel or
/// statement_timeout ends the statement at the engine's next step (half a layer of one
/// slice of a forward pass) with Postgres's own ERROR (57014). That ERROR unwinds through
/// the engine as a panic, which pgrx turns back into the ERROR at the function's boundary.
/// The engine asks only from the thread that called it, the backend's one thread, never
/// from candle's worker threads, where no Postgres function may run.
pub struct PostgresInterrupt;

impl Interrupt for PostgresInterrupt {
    fn check(&self) -> resonance_engine::error::Result<()> {
        check_for_interrupts();
        Ok(())
    }
}
