//! A Parquet file of named columns, written the way AWS's exports write them (Snappy
//! pages, optional columns, UTC timestamps), for fixtures of any table.

use parquet::file::writer::SerializedFileWriter;
use std::path::Path;

/// How a column is stored.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text,
    Double,
    /// RFC 3339 text in the rows, TIMESTAMP(MILLIS, UTC) in the file.
    Millis,
}

/// The CUR 2.0 columns the benchmarks write: an export's usual ones with the list price,
/// and the tags last (AWS writes a map; the readers take its JSON text as the CSV's).
pub const CUR_COLUMNS: &[(&str, Kind)] = &[
    ("identity_line_item_id", Kind::Text),
    ("bill_payer_account_id", Kind::Text),
    ("line_item_usage_start_date", Kind::Millis),
    ("line_item_usage_account_id", Kind::Text),
    ("line_item_product_code", Kind::Text),
    ("line_item_line_item_type", Kind::Text),
    ("line_item_usage_type", Kind::Text),
    ("line_item_operation", Kind::Text),
    ("line_item_resource_id", Kind::Text),
    ("line_item_unblended_cost", Kind::Double),
    ("pricing_public_on_demand_cost", Kind::Double),
    ("line_item_currency_code", Kind::Text),
    ("product_region_code", Kind::Text),
    ("resource_tags", Kind::Text),
];

/// Rows per row group: Spark's and Glue's 128 MB blocks hold about this many export
/// rows, and readers split their work by row group.
pub const ROWS_PER_GROUP: usize = 131_072;

/// Writes `rows` (fields as text, "" for null) under `columns`, in row groups of
/// `ROWS_PER_GROUP`.
pub fn write_table(path: &Path, columns: &[(&str, Kind)], rows: &[Vec<String>]) {
    let mut table = TableWriter::create(path, columns);
    for group in rows.chunks(ROWS_PER_GROUP) {
        table.write_group(group);
    }
    table.close();
}

/// A table written one row group at a time, so a file of tens of millions of rows never
/// holds more than one group in memory.
pub struct TableWriter<'c> {
    columns: &'c [(&'c str, Kind)],
    writer: SerializedFileWriter<std::fs::File>,
}

impl<'c> TableWriter<'c> {
    pub fn create(path: &Path, columns: &'c [(&'c str, Kind)]) -> Self {
        use parquet::basic::Compression;
        use parquet::file::properties::WriterProperties;
        use parquet::schema::parser::parse_message_type;
        use std::sync::Arc;

        let fields: Vec<String> = columns
            .iter()
            .map(|(name, kind)| match kind {
                Kind::Text => format!("OPTIONAL BYTE_ARRAY {name} (STRING);"),
                Kind::Double => format!("OPTIONAL DOUBLE {name};"),
                Kind::Millis => format!("OPTIONAL INT64 {name} (TIMESTAMP(MILLIS,true));"),
            })
            .collect();
        let schema =
            parse_message_type(&format!("message export {{ {} }}", fields.join(" "))).unwrap();
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let file = std::fs::File::create(path).unwrap();
        let writer =
            SerializedFileWriter::new(file, Arc::new(schema), Arc::new(properties)).unwrap();
        TableWriter { columns, writer }
    }

    /// One row group of `rows`.
    pub fn write_group(&mut self, rows: &[Vec<String>]) {
        use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};

        let mut group = self.writer.next_row_group().unwrap();
        let mut index = 0;
        while let Some(mut column) = group.next_column().unwrap() {
            let texts: Vec<&str> = rows.iter().map(|r| r[index].as_str()).collect();
            let levels: Vec<i16> = texts.iter().map(|t| i16::from(!t.is_empty())).collect();
            let present = texts.iter().filter(|t| !t.is_empty());
            match self.columns[index].1 {
                Kind::Text => {
                    let values: Vec<ByteArray> = present.map(|t| ByteArray::from(*t)).collect();
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(&values, Some(&levels), None)
                        .unwrap();
                }
                Kind::Double => {
                    let values: Vec<f64> = present.map(|t| t.parse().unwrap()).collect();
                    column
                        .typed::<DoubleType>()
                        .write_batch(&values, Some(&levels), None)
                        .unwrap();
                }
                Kind::Millis => {
                    let values: Vec<i64> = present
                        .map(|t| {
                            chrono::DateTime::parse_from_rfc3339(t)
                                .unwrap()
                                .timestamp_millis()
                        })
                        .collect();
                    column
                        .typed::<Int64Type>()
                        .write_batch(&values, Some(&levels), None)
                        .unwrap();
                }
            }
            column.close().unwrap();
            index += 1;
        }
        group.close().unwrap();
    }

    pub fn close(self) {
        self.writer.close().unwrap();
    }
}
