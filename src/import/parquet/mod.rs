//! FOCUS and CUR 2.0 Parquet files: only the columns costscope reads are decoded, and
//! each value is turned into the text `domain::focus` and `domain::cur` read, exactly
//! (a double as its shortest round-trip decimal, a DECIMAL from its digits).
//!
//! Two readers give the same lines. `columns` decodes each row group's columns in
//! batches and lends their values as `&str` (the fast path, for the types and the one
//! nesting, a map of strings, that exports use). `rows` goes through the parquet
//! crate's row API, which handles any schema but builds every row's values anew.

use super::{ImportError, ReadFile};
use crate::domain::line_table::{columns_read, LineTable};
use chrono::NaiveDate;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::Type;
use std::path::Path;
use std::sync::Arc;

mod columns;
mod groups;
mod rows;
mod text;

/// A file opened, with the fields costscope reads picked out of its schema.
struct Opened {
    reader: SerializedFileReader<std::fs::File>,
    /// The top-level fields read, in the file's order, with their index in its schema.
    fields: Vec<(usize, Arc<Type>)>,
    table: LineTable,
}

pub(super) fn read_parquet(
    path: &Path,
    resource_days_from: Option<NaiveDate>,
) -> Result<ReadFile, ImportError> {
    let opened = open(path)?;
    match columns::plan(&opened) {
        Some(plan) => groups::read(path, &opened, &plan, resource_days_from),
        None => rows::read(path, &opened, resource_days_from),
    }
}

fn open(path: &Path) -> Result<Opened, ImportError> {
    let reader = open_reader(path)?;
    let fields: Vec<(usize, Arc<Type>)> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| columns_read().any(|name| f.name().eq_ignore_ascii_case(name)))
        .map(|(i, f)| (i, f.clone()))
        .collect();
    let table = LineTable::from_header(fields.iter().map(|(_, f)| f.name())).map_err(|source| {
        ImportError::Format {
            path: path.to_path_buf(),
            source,
        }
    })?;
    Ok(Opened {
        reader,
        fields,
        table,
    })
}

/// A reader of the file, its footer decoded.
fn open_reader(path: &Path) -> Result<SerializedFileReader<std::fs::File>, ImportError> {
    let file = std::fs::File::open(path).map_err(|source| ImportError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    SerializedFileReader::new(file).map_err(|e| unreadable(path, e))
}

/// The file's footer, schema or pages could not be decoded.
fn unreadable(path: &Path, error: impl std::fmt::Display) -> ImportError {
    ImportError::Parquet {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests;
