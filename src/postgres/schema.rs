//! The extension's own SQL: the `resonance` data schema, the SQL-language wrappers over the
//! Rust functions, and the triggers. Runs after every generated function exists.

pgrx::extension_sql_file!("../../sql/resonance.sql", name = "resonance_schema", finalize);
