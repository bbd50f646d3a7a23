//! The fast reader: each row group's columns are decoded in batches of records, and a
//! row's fields are lent to the line reader as `&str` into those batches. Strings are
//! not copied; numbers and times are written into one reused buffer per column, and a
//! time equal to the previous row's is not written again (hourly lines repeat it).
//! A map of strings (CUR 2.0's `resource_tags`, `product`) becomes JSON text, as in the
//! CSV export, from its key and value leaves and their repetition levels.
//!
//! `plan` says whether a file's fields are all of the kinds handled here; if one is not,
//! the row reader reads the file.

use super::text::{date_text, decimal_bytes, decimal_text, utc_text};
use super::Opened;
use crate::domain::line_table::map_entries_read;
use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as Physical};
use parquet::column::reader::ColumnReaderImpl;
use parquet::data_type::{
    ByteArrayType, DataType, DoubleType, FixedLenByteArrayType, FloatType, Int32Type, Int64Type,
};
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, RowGroupReader};
use parquet::schema::types::ColumnDescriptor;
use std::fmt::Write;

/// Records decoded per column at a time: enough to amortize the per-call work, few
/// enough that a batch of every column stays in cache.
pub(super) const BATCH: usize = 4096;

/// How one top-level field is read.
#[derive(Debug, Clone)]
pub(super) enum FieldPlan {
    /// One leaf column.
    Flat { leaf: usize, kind: Kind },
    /// A map of strings: its key and value leaves, and the entries kept (all if None).
    Map {
        keys: usize,
        values: usize,
        kept: Option<&'static [&'static str]>,
    },
}

/// What a flat column's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Double,
    Float,
    Int32(Number),
    Int64(Number),
    /// FIXED_LEN_BYTE_ARRAY DECIMAL at its scale.
    FixedDecimal(i32),
}

/// What an integer column's values stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Number {
    Plain,
    Decimal(i32),
    /// A timestamp, with the microseconds in one unit.
    Time {
        micros_per_unit: i64,
        nanos: bool,
    },
    Date,
}

/// The plan for every field read, in the file's order, or None if one is of a kind
/// this reader leaves to the row reader.
pub(super) fn plan(opened: &Opened) -> Option<Vec<FieldPlan>> {
    let schema = opened.reader.metadata().file_metadata().schema_descr();
    let leaves: Vec<(usize, &ColumnDescriptor)> = schema
        .columns()
        .iter()
        .map(|c| c.as_ref())
        .enumerate()
        .collect();
    let mut plans = Vec::with_capacity(opened.fields.len());
    for (root, field) in &opened.fields {
        let mine: Vec<(usize, &ColumnDescriptor)> = leaves
            .iter()
            .copied()
            .filter(|(i, _)| schema.get_column_root_idx(*i) == *root)
            .collect();
        let plan = match mine.as_slice() {
            [(leaf, column)] if field.is_primitive() && column.max_rep_level() == 0 => {
                FieldPlan::Flat {
                    leaf: *leaf,
                    kind: kind_of(column)?,
                }
            }
            [(keys, key), (values, value)] if is_string_map(field, key, value) => FieldPlan::Map {
                keys: *keys,
                values: *values,
                kept: map_entries_read(field.name()),
            },
            _ => return None,
        };
        plans.push(plan);
    }
    Some(plans)
}

fn kind_of(column: &ColumnDescriptor) -> Option<Kind> {
    let logical = column.logical_type_ref();
    let converted = column.converted_type();
    let number = || -> Option<Number> {
        match (logical, converted) {
            (Some(LogicalType::Timestamp(t)), _) => Some(match t.unit {
                TimeUnit::MILLIS => Number::Time {
                    micros_per_unit: 1000,
                    nanos: false,
                },
                TimeUnit::MICROS => Number::Time {
                    micros_per_unit: 1,
                    nanos: false,
                },
                TimeUnit::NANOS => Number::Time {
                    micros_per_unit: 1,
                    nanos: true,
                },
            }),
            (_, ConvertedType::TIMESTAMP_MILLIS) => Some(Number::Time {
                micros_per_unit: 1000,
                nanos: false,
            }),
            (_, ConvertedType::TIMESTAMP_MICROS) => Some(Number::Time {
                micros_per_unit: 1,
                nanos: false,
            }),
            (Some(LogicalType::Decimal(_)), _) | (_, ConvertedType::DECIMAL) => {
                Some(Number::Decimal(column.type_scale()))
            }
            (Some(LogicalType::Date), _) | (_, ConvertedType::DATE) => Some(Number::Date),
            (None | Some(LogicalType::Integer(_)), ConvertedType::NONE)
            | (_, ConvertedType::INT_8 | ConvertedType::INT_16)
            | (_, ConvertedType::INT_32 | ConvertedType::INT_64) => Some(Number::Plain),
            _ => None,
        }
    };
    match column.physical_type() {
        Physical::BYTE_ARRAY => match (logical, converted) {
            (Some(LogicalType::Decimal(_)), _) | (_, ConvertedType::DECIMAL) => None,
            _ => Some(Kind::Text),
        },
        Physical::DOUBLE => Some(Kind::Double),
        Physical::FLOAT => Some(Kind::Float),
        Physical::INT32 => number()
            .filter(|n| !matches!(n, Number::Time { .. }))
            .map(Kind::Int32),
        Physical::INT64 => number().filter(|n| *n != Number::Date).map(Kind::Int64),
        Physical::FIXED_LEN_BYTE_ARRAY => match (logical, converted) {
            (Some(LogicalType::Decimal(_)), _) | (_, ConvertedType::DECIMAL) => {
                Some(Kind::FixedDecimal(column.type_scale()))
            }
            _ => None,
        },
        Physical::BOOLEAN | Physical::INT96 => None,
    }
}

/// A MAP (or MAP_KEY_VALUE) group of one repeated group of a string key and value.
fn is_string_map(
    field: &parquet::schema::types::Type,
    key: &ColumnDescriptor,
    value: &ColumnDescriptor,
) -> bool {
    let annotated = matches!(
        field.get_basic_info().logical_type_ref(),
        Some(LogicalType::Map)
    ) || matches!(
        field.get_basic_info().converted_type(),
        ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE
    );
    let text = |c: &ColumnDescriptor| c.physical_type() == Physical::BYTE_ARRAY;
    annotated
        && text(key)
        && text(value)
        && key.max_rep_level() == 1
        && value.max_rep_level() == 1
        && value.max_def_level() >= key.max_def_level()
        && key.path().parts().len() == 3
        && value.path().parts().len() == 3
}

/// One leaf's reader and its current batch of levels and values.
struct Leaf<T: DataType> {
    reader: ColumnReaderImpl<T>,
    max_def: i16,
    def: Vec<i16>,
    rep: Vec<i16>,
    values: Vec<T::T>,
    /// The next level and the next value of the batch.
    level: usize,
    value: usize,
}

impl<T: DataType> Leaf<T> {
    fn open(group: &dyn RowGroupReader, leaf: usize) -> Result<Leaf<T>, ParquetError> {
        let max_def = group.metadata().column(leaf).column_descr().max_def_level();
        let reader = T::get_column_reader(group.get_column_reader(leaf)?)
            .ok_or_else(|| ParquetError::General(format!("column {leaf}: not the type planned")))?;
        Ok(Leaf {
            reader,
            max_def,
            def: Vec::with_capacity(BATCH),
            rep: Vec::new(),
            values: Vec::with_capacity(BATCH),
            level: 0,
            value: 0,
        })
    }

    /// The next `records` records' levels and values; how many records there were.
    fn fill(&mut self, records: usize) -> Result<usize, ParquetError> {
        self.def.clear();
        self.rep.clear();
        self.values.clear();
        self.level = 0;
        self.value = 0;
        let (got, _, _) = self.reader.read_records(
            records,
            Some(&mut self.def),
            Some(&mut self.rep),
            &mut self.values,
        )?;
        Ok(got)
    }

    /// The next level of a flat column: its value, or None for a null.
    fn next_flat(&mut self) -> Option<&T::T> {
        let present = self.max_def == 0 || self.def.get(self.level) == Some(&self.max_def);
        self.level += 1;
        if !present {
            return None;
        }
        self.value += 1;
        self.values.get(self.value - 1)
    }

    /// The definition level at `level` (the maximum for a required column).
    fn def_at(&self, level: usize) -> i16 {
        if self.max_def == 0 {
            0
        } else {
            self.def.get(level).copied().unwrap_or(0)
        }
    }
}

/// A flat column's leaf, typed.
enum Values {
    Text(Leaf<ByteArrayType>),
    Double(Leaf<DoubleType>),
    Float(Leaf<FloatType>),
    Int32(Leaf<Int32Type>, Number),
    Int64(Leaf<Int64Type>, Number),
    FixedDecimal(Leaf<FixedLenByteArrayType>, i32),
    /// Boxed: two leaves are twice the others' size.
    Map(Box<MapLeaves>),
}

/// A map of strings' key and value leaves, and the entries kept (all if None).
struct MapLeaves {
    keys: Leaf<ByteArrayType>,
    values: Leaf<ByteArrayType>,
    kept: Option<&'static [&'static str]>,
}

/// Where the current row's text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Current {
    Null,
    /// In the text leaf's values, at this index.
    Lent(usize),
    /// In the column's own buffer.
    Written,
}

pub(super) struct Column {
    values: Values,
    current: Current,
    /// Numbers, times and maps written as text; and for a time, its value, so that an
    /// equal one is not written again.
    buffer: String,
    last_time: Option<i64>,
}

impl Column {
    pub(super) fn open(
        group: &dyn RowGroupReader,
        plan: &FieldPlan,
    ) -> Result<Column, ParquetError> {
        let values = match *plan {
            FieldPlan::Flat { leaf, kind } => match kind {
                Kind::Text => Values::Text(Leaf::open(group, leaf)?),
                Kind::Double => Values::Double(Leaf::open(group, leaf)?),
                Kind::Float => Values::Float(Leaf::open(group, leaf)?),
                Kind::Int32(n) => Values::Int32(Leaf::open(group, leaf)?, n),
                Kind::Int64(n) => Values::Int64(Leaf::open(group, leaf)?, n),
                Kind::FixedDecimal(scale) => Values::FixedDecimal(Leaf::open(group, leaf)?, scale),
            },
            FieldPlan::Map { keys, values, kept } => Values::Map(Box::new(MapLeaves {
                keys: Leaf::open(group, keys)?,
                values: Leaf::open(group, values)?,
                kept,
            })),
        };
        Ok(Column {
            values,
            current: Current::Null,
            buffer: String::new(),
            last_time: None,
        })
    }

    pub(super) fn fill(&mut self, records: usize) -> Result<usize, ParquetError> {
        match &mut self.values {
            Values::Text(l) => l.fill(records),
            Values::Double(l) => l.fill(records),
            Values::Float(l) => l.fill(records),
            Values::Int32(l, _) => l.fill(records),
            Values::Int64(l, _) => l.fill(records),
            Values::FixedDecimal(l, _) => l.fill(records),
            Values::Map(map) => {
                let got = map.keys.fill(records)?;
                if map.values.fill(records)? != got {
                    return Err(ParquetError::General(
                        "a map's keys and values hold different numbers of rows".into(),
                    ));
                }
                Ok(got)
            }
        }
    }

    /// Moves to the batch's next row.
    pub(super) fn advance(&mut self) -> Result<(), String> {
        let buffer = &mut self.buffer;
        let written = |buffer: &mut String, text: &dyn std::fmt::Display| {
            buffer.clear();
            let _ = write!(buffer, "{text}");
            Current::Written
        };
        self.current = match &mut self.values {
            Values::Text(leaf) => {
                let index = leaf.value;
                match leaf.next_flat() {
                    None => Current::Null,
                    Some(bytes) => match std::str::from_utf8(bytes.data()) {
                        Ok(_) => Current::Lent(index),
                        Err(_) => {
                            *buffer = String::from_utf8_lossy(bytes.data()).into_owned();
                            Current::Written
                        }
                    },
                }
            }
            // Ryu writes the same shortest digits as `Display` (an exponent past a few
            // places, which `ExactSum::parse` reads), without the formatting machinery.
            Values::Double(leaf) => match leaf.next_flat() {
                None => Current::Null,
                Some(&v) => shortest(buffer, v),
            },
            Values::Float(leaf) => match leaf.next_flat() {
                None => Current::Null,
                Some(&v) => shortest(buffer, v),
            },
            Values::FixedDecimal(leaf, scale) => match leaf.next_flat() {
                None => Current::Null,
                Some(v) => {
                    *buffer = decimal_text(decimal_bytes(v.data()), *scale);
                    Current::Written
                }
            },
            Values::Int32(leaf, number) => match leaf.next_flat() {
                None => Current::Null,
                Some(&v) => match number {
                    Number::Date => {
                        *buffer = date_text(v);
                        Current::Written
                    }
                    Number::Decimal(scale) => {
                        *buffer = decimal_text(i128::from(v), *scale);
                        Current::Written
                    }
                    _ => written(buffer, &v),
                },
            },
            Values::Int64(leaf, number) => match leaf.next_flat() {
                None => Current::Null,
                Some(&v) => match number {
                    Number::Time {
                        micros_per_unit,
                        nanos,
                    } => {
                        if self.last_time != Some(v) {
                            let micros = if *nanos {
                                Some(v.div_euclid(1000))
                            } else {
                                v.checked_mul(*micros_per_unit)
                            };
                            *buffer = micros.map(utc_text).unwrap_or_default();
                            self.last_time = Some(v);
                        }
                        Current::Written
                    }
                    Number::Decimal(scale) => {
                        *buffer = decimal_text(i128::from(v), *scale);
                        Current::Written
                    }
                    _ => written(buffer, &v),
                },
            },
            Values::Map(map) => {
                map_text(&mut map.keys, &mut map.values, map.kept, buffer)?;
                Current::Written
            }
        };
        Ok(())
    }

    /// The current row's text ("" for a null).
    pub(super) fn text(&self) -> &str {
        match (self.current, &self.values) {
            (Current::Null, _) => "",
            (Current::Written, _) => &self.buffer,
            (Current::Lent(i), Values::Text(leaf)) => leaf
                .values
                .get(i)
                .and_then(|b| std::str::from_utf8(b.data()).ok())
                .unwrap_or(""),
            (Current::Lent(_), _) => "",
        }
    }
}

/// A float's shortest text that reads back as the same float (Ryu's, as `Display`'s
/// digits, "1.5e-7" past a few places); "NaN" and "inf" are refused as amounts later.
fn shortest<F: ryu::Float>(buffer: &mut String, value: F) -> Current {
    buffer.clear();
    buffer.push_str(ryu::Buffer::new().format(value));
    Current::Written
}

/// One row of a map column as a JSON object's text ("" for a null or empty map): its
/// levels run from the current one to the next that starts a record.
fn map_text(
    keys: &mut Leaf<ByteArrayType>,
    values: &mut Leaf<ByteArrayType>,
    kept: Option<&[&str]>,
    out: &mut String,
) -> Result<(), String> {
    let entry = keys.max_def;
    let mut object = serde_json::Map::new();
    let start = keys.level;
    while keys.level < keys.rep.len() && (keys.level == start || keys.rep[keys.level] != 0) {
        let level = keys.level;
        keys.level += 1;
        values.level += 1;
        if keys.def_at(level) < entry {
            continue;
        }
        let key = keys
            .values
            .get(keys.value)
            .ok_or("a map entry without its key")?;
        keys.value += 1;
        let value = if values.def_at(level) == values.max_def {
            values.value += 1;
            values.values.get(values.value - 1)
        } else {
            None
        };
        let key = String::from_utf8_lossy(key.data());
        if kept.is_some_and(|kept| !kept.contains(&key.as_ref())) {
            continue;
        }
        let value = value.map_or(String::new(), |v| {
            String::from_utf8_lossy(v.data()).into_owned()
        });
        object.insert(key.into_owned(), serde_json::Value::String(value));
    }
    out.clear();
    if keys.level == start {
        return Err("a map column ended before its rows".into());
    }
    if !object.is_empty() || kept.is_none() {
        let _ = write!(out, "{}", serde_json::Value::Object(object));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::exact::ExactSum;

    #[test]
    fn a_double_reads_as_the_amount_its_display_text_says() {
        let amounts = [
            0.1,
            1.5e-7,
            -0.000_000_123_4,
            123_456.789,
            0.016_666_666_666_666_666,
            2.0,
            -0.0,
            1e16,
            4.999_999_999_999_999e-5,
        ];
        for value in amounts {
            let mut buffer = String::new();
            assert_eq!(shortest(&mut buffer, value), Current::Written);
            assert_eq!(
                ExactSum::parse(&buffer),
                ExactSum::parse(&value.to_string()),
                "{value}: {buffer}"
            );
        }
        let mut buffer = String::new();
        shortest(&mut buffer, 0.3f32);
        assert_eq!(ExactSum::parse(&buffer), ExactSum::parse("0.3"));
        shortest(&mut buffer, f64::NAN);
        assert!(ExactSum::parse(&buffer).is_err(), "{buffer}");
    }
}
