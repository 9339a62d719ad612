//! `jsonb` arguments read as text. pgrx's `JsonB` parses the value with serde_json while
//! unboxing the argument, before the function runs, and turns a value serde_json refuses
//! (nesting past 128 levels, a number past f64) into an internal error. `JsonArg` only
//! takes the text; `engine::json_argument` parses it and names the offending key.

use pgrx::callconv::{Arg, ArgAbi};
use pgrx::nullable::Nullable;
use pgrx::pgrx_sql_entity_graph::metadata::{ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable};
use pgrx::{direct_function_call, pg_sys, FromDatum};
use serde_json::{Map, Value};

use crate::postgres::error::raise;
use resonance_engine::json_argument::parse_object;

/// The text of a jsonb argument.
pub struct JsonArg(String);

impl JsonArg {
    /// The argument's keys and values, or an ERROR naming `what` and the key at fault.
    pub fn object(&self, what: &str) -> Map<String, Value> {
        parse_object(&self.0, what).unwrap_or_else(|e| raise(e))
    }

    /// The same object as one JSON value, as the engine's argument parsers take it.
    pub fn value(&self, what: &str) -> Value {
        Value::Object(self.object(what))
    }
}

impl FromDatum for JsonArg {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, _: pg_sys::Oid) -> Option<Self> {
        if is_null {
            return None;
        }
        // SAFETY: the datum is a jsonb (the function's declared argument type); jsonb_out
        // returns a palloc'd, NUL-terminated text of it, copied here and freed.
        unsafe {
            let text = direct_function_call::<&core::ffi::CStr>(pg_sys::jsonb_out, &[Some(datum)])?;
            let owned = text.to_string_lossy().into_owned();
            pg_sys::pfree(text.as_ptr() as *mut core::ffi::c_void);
            Some(JsonArg(owned))
        }
    }
}

// SAFETY: JsonArg is unboxed from a non-null jsonb datum through FromDatum above.
unsafe impl<'fcx> ArgAbi<'fcx> for JsonArg {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        unsafe { arg.unbox_arg_using_from_datum() }
            .unwrap_or_else(|| panic!("jsonb argument {index} must not be null"))
    }

    unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<Self> {
        unsafe { arg.unbox_arg_using_from_datum() }.into()
    }
}

// SAFETY: the SQL type is jsonb, which FromDatum above reads.
unsafe impl SqlTranslatable for JsonArg {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(JsonArg);
    const TYPE_ORIGIN: pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin =
        pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("jsonb"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> = Ok(ReturnsRef::One(SqlMappingRef::literal("jsonb")));
}
