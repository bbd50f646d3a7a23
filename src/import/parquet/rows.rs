//! The fallback reader: the parquet crate's row API, for schemas `columns` does not
//! handle (INT96 times, lists, maps of other types). Every row is built anew.

use super::text::{date_text, decimal_text, utc_text};
use super::{unreadable, Opened};
use crate::import::{ImportError, ReadFile};
use chrono::NaiveDate;
use parquet::file::reader::FileReader;
use parquet::record::Field;
use parquet::schema::types::Type;
use std::path::Path;

pub(super) fn read(
    path: &Path,
    opened: &Opened,
    resource_days_from: Option<NaiveDate>,
) -> Result<ReadFile, ImportError> {
    let schema = opened
        .reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema();
    let projection = Type::group_type_builder(schema.name())
        .with_fields(opened.fields.iter().map(|(_, f)| f.clone()).collect())
        .build()
        .map_err(|e| unreadable(path, e))?;
    let rows = opened
        .reader
        .get_row_iter(Some(projection))
        .map_err(|e| unreadable(path, e))?;
    let mut read = ReadFile::new(path, "row", resource_days_from);
    read.table = opened.table.name();
    let mut values: Vec<String> = Vec::with_capacity(opened.fields.len());
    for (index, row) in rows.enumerate() {
        let number = index as u64 + 1;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                read.reject(number, e.to_string());
                continue;
            }
        };
        values.clear();
        values.extend(row.get_column_iter().map(|(_, field)| text(field)));
        match opened
            .table
            .read_line(|i| values.get(i).map_or("", String::as_str))
        {
            Ok(item) => read.totals.add(&item),
            Err(message) => read.reject(number, message),
        }
    }
    Ok(read)
}

/// A value as FOCUS text: null as "", numbers exactly, times as RFC 3339 in UTC.
fn text(field: &Field) -> String {
    let micros = |us: Option<i64>| us.map(utc_text).unwrap_or_default();
    match field {
        Field::Null => String::new(),
        Field::Str(s) => s.clone(),
        Field::Bytes(b) => String::from_utf8_lossy(b.data()).into_owned(),
        // Rust prints the shortest decimal that reads back as the same double.
        Field::Double(v) => v.to_string(),
        Field::Float(v) => v.to_string(),
        Field::Decimal(d) => decimal_text(super::text::decimal_bytes(d.data()), d.scale()),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::TimestampMillis(ms) => micros(ms.checked_mul(1000)),
        Field::TimestampMicros(us) => micros(Some(*us)),
        Field::Date(days) => date_text(*days),
        // CUR 2.0's map columns (product, resource_tags): JSON text, as in its CSV.
        Field::MapInternal(map) => {
            let object: serde_json::Map<String, serde_json::Value> = map
                .entries()
                .iter()
                .map(|(k, v)| (text(k), serde_json::Value::String(text(v))))
                .collect();
            serde_json::Value::Object(object).to_string()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_focus_text() {
        assert_eq!(text(&Field::Double(0.1)), "0.1");
        assert_eq!(text(&Field::Double(1.5e-7)), "0.00000015");
        assert_eq!(
            text(&Field::TimestampMillis(1_682_899_200_000)),
            "2023-05-01T00:00:00+00:00"
        );
        assert_eq!(text(&Field::Null), "");
    }
}
