//! FOCUS and CUR 2.0 Parquet files: only the columns costscope reads are
//! projected, and each value is turned into the text `domain::focus` reads, exactly
//! (a double as its shortest round-trip decimal, a DECIMAL from its digits).

use super::{ImportError, ReadFile};
use crate::domain::line_table::{columns_read, LineTable};
use chrono::DateTime;
use parquet::data_type::Decimal;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use parquet::schema::types::Type;
use std::path::Path;
use std::sync::Arc;

pub(super) fn read_parquet(path: &Path) -> Result<ReadFile, ImportError> {
    let bad = |message: String| ImportError::Parquet {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|source| ImportError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = SerializedFileReader::new(file).map_err(|e| bad(e.to_string()))?;
    let schema = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema();
    let fields: Vec<Arc<Type>> = schema
        .get_fields()
        .iter()
        .filter(|f| columns_read().any(|name| f.name().eq_ignore_ascii_case(name)))
        .cloned()
        .collect();
    let names: Vec<String> = fields.iter().map(|f| f.name().to_string()).collect();
    let columns = LineTable::from_header(names.iter().map(String::as_str)).map_err(|source| {
        ImportError::Format {
            path: path.to_path_buf(),
            source,
        }
    })?;
    let projection = Type::group_type_builder(schema.name())
        .with_fields(fields)
        .build()
        .map_err(|e| bad(e.to_string()))?;
    let rows = reader
        .get_row_iter(Some(projection))
        .map_err(|e| bad(e.to_string()))?;
    let mut read = ReadFile::new(path, "row");
    read.table = columns.name();
    let mut values: Vec<String> = Vec::with_capacity(names.len());
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
        match columns.read_line(|i| values.get(i).map_or("", String::as_str)) {
            Ok(item) => read.totals.add(&item),
            Err(message) => read.reject(number, message),
        }
    }
    Ok(read)
}

/// A value as FOCUS text: null as "", numbers exactly, times as RFC 3339 in UTC.
fn text(field: &Field) -> String {
    let utc = |t: Option<DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    match field {
        Field::Null => String::new(),
        Field::Str(s) => s.clone(),
        Field::Bytes(b) => String::from_utf8_lossy(b.data()).into_owned(),
        // Rust prints the shortest decimal that reads back as the same double.
        Field::Double(v) => v.to_string(),
        Field::Float(v) => v.to_string(),
        Field::Decimal(d) => decimal_text(d),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::TimestampMillis(ms) => utc(DateTime::from_timestamp_millis(*ms)),
        Field::TimestampMicros(us) => utc(DateTime::from_timestamp_micros(*us)),
        Field::Date(days) => chrono::NaiveDate::from_num_days_from_ce_opt(719_163 + days)
            .map(|d| d.to_string())
            .unwrap_or_default(),
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

/// A DECIMAL's digits (big-endian two's complement) at its scale, as text.
fn decimal_text(decimal: &Decimal) -> String {
    let bytes = decimal.data();
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut value: i128 = if negative { -1 } else { 0 };
    for b in bytes.iter().rev().take(16).rev() {
        value = (value << 8) | i128::from(*b);
    }
    let digits = value.unsigned_abs().to_string();
    let scale = decimal.scale().max(0) as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if negative { "-" } else { "" };
    match fraction {
        "" => format!("{sign}{whole}"),
        f => format!("{sign}{whole}.{f}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_times_read_as_focus_text() {
        let d = |v: i64, scale: i32| {
            decimal_text(&Decimal::from_bytes(
                v.to_be_bytes().to_vec().into(),
                18,
                scale,
            ))
        };
        assert_eq!(d(123_456_789_012, 10), "12.3456789012");
        assert_eq!(d(-5, 3), "-0.005");
        assert_eq!(d(42, 0), "42");
        assert_eq!(text(&Field::Double(0.1)), "0.1");
        assert_eq!(text(&Field::Double(1.5e-7)), "0.00000015");
        assert_eq!(
            text(&Field::TimestampMillis(1_682_899_200_000)),
            "2023-05-01T00:00:00+00:00"
        );
        assert_eq!(text(&Field::Null), "");
    }
}
