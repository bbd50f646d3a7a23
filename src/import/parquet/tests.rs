//! The two readers give the same `ReadFile` for the same file: the column reader is the
//! row reader made fast, never a reader of its own opinions.

use super::*;
use parquet::basic::Compression;
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type, Int96, Int96Type,
};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// A column's values for a row group: levels and the present values.
enum Written {
    Text(Vec<Option<String>>),
    Double(Vec<Option<f64>>),
    Long(Vec<Option<i64>>),
    Bool(Vec<bool>),
    Int96(Vec<Int96>),
    /// A map per row: None is a null map.
    Map(Vec<Option<Entries>>),
}

/// One map's entries: keys with their values (None: a null value).
type Entries = Vec<(String, Option<String>)>;

/// A map column's two leaves: the values present, definition and repetition levels.
type MapLeaves = [(Vec<ByteArray>, Vec<i16>, Vec<i16>); 2];

fn map_leaves(rows: &[Option<Entries>]) -> MapLeaves {
    let (mut kd, mut vd, mut rep) = (Vec::new(), Vec::new(), Vec::new());
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    for row in rows {
        match row.as_deref() {
            // A null map, then an empty one: one level each, below an entry's.
            None | Some([]) => {
                let def = i16::from(row.is_some());
                kd.push(def);
                vd.push(def);
                rep.push(0);
            }
            Some(entries) => {
                for (j, (k, v)) in entries.iter().enumerate() {
                    rep.push(i16::from(j > 0));
                    kd.push(2);
                    keys.push(ByteArray::from(k.as_str()));
                    vd.push(if v.is_some() { 3 } else { 2 });
                    values.extend(v.as_deref().map(ByteArray::from));
                }
            }
        }
    }
    [(keys, kd, rep.clone()), (values, vd, rep)]
}

fn levels<T>(values: &[Option<T>]) -> Vec<i16> {
    values.iter().map(|v| i16::from(v.is_some())).collect()
}

/// Writes `groups` (each a row group: one `Written` per top-level field) under `schema`.
fn write(path: &Path, schema: &str, groups: &[Vec<Written>]) {
    let schema = Arc::new(parse_message_type(schema).unwrap());
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        // Small pages, so that a batch of records spans several.
        .set_data_page_row_count_limit(700)
        .set_write_batch_size(700)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = SerializedFileWriter::new(file, schema, Arc::new(properties)).unwrap();
    for fields in groups {
        let mut group = writer.next_row_group().unwrap();
        for field in fields {
            let leaves = match field {
                Written::Map(rows) => map_leaves(rows).to_vec(),
                _ => Vec::new(),
            };
            for leaf in 0..leaves.len().max(1) {
                let mut column = group.next_column().unwrap().unwrap();
                match field {
                    Written::Map(_) => {
                        let (values, def, rep) = leaves.get(leaf).unwrap();
                        column
                            .typed::<ByteArrayType>()
                            .write_batch(values, Some(def), Some(rep))
                            .unwrap();
                    }
                    Written::Text(v) => {
                        let present: Vec<ByteArray> = v
                            .iter()
                            .flatten()
                            .map(|t| ByteArray::from(t.as_str()))
                            .collect();
                        column
                            .typed::<ByteArrayType>()
                            .write_batch(&present, Some(&levels(v)), None)
                            .unwrap();
                    }
                    Written::Double(v) => {
                        let present: Vec<f64> = v.iter().flatten().copied().collect();
                        column
                            .typed::<DoubleType>()
                            .write_batch(&present, Some(&levels(v)), None)
                            .unwrap();
                    }
                    Written::Long(v) => {
                        let present: Vec<i64> = v.iter().flatten().copied().collect();
                        column
                            .typed::<Int64Type>()
                            .write_batch(&present, Some(&levels(v)), None)
                            .unwrap();
                    }
                    Written::Bool(v) => {
                        column
                            .typed::<BoolType>()
                            .write_batch(v, None, None)
                            .unwrap();
                    }
                    Written::Int96(v) => {
                        column
                            .typed::<Int96Type>()
                            .write_batch(v, None, None)
                            .unwrap();
                    }
                }
                column.close().unwrap();
            }
        }
        assert!(group.next_column().unwrap().is_none(), "a field per column");
        group.close().unwrap();
    }
    writer.close().unwrap();
}

/// A small deterministic generator: the same file on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// Everything a read gives, in an order that does not depend on hashing.
fn summary(read: &ReadFile) -> String {
    let (detail, names) = read.totals.detail();
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    format!(
        "{} {} {} {:?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}",
        read.table,
        read.totals.lines,
        read.bad_lines,
        read.named_bad_lines,
        read.totals.days().iter().collect::<Vec<_>>(),
        read.totals.fees(),
        read.totals.charges(),
        read.totals.accounts(),
        sorted(detail.usage(names).map(|u| format!("{u:?}")).collect()),
        sorted(detail.resources(names).map(|r| format!("{r:?}")).collect()),
        sorted(detail.tags(names).map(|t| format!("{t:?}")).collect()),
        sorted(
            detail
                .resource_days(names)
                .flat_map(|r| r
                    .days()
                    .map(move |d| format!("{} {} {} {d:?}", r.account, r.service, r.resource)))
                .collect()
        ),
    )
}

/// Both readers over `path`: the column reader must have a plan for it.
fn both(path: &Path) -> (String, String) {
    let opened = open(path).unwrap();
    let plan = columns::plan(&opened).expect("the column reader takes this file");
    // Resource days from October 5 on: both readers keep the same ones.
    let from = chrono::NaiveDate::from_ymd_opt(2026, 10, 5);
    let fast = groups::read(path, &opened, &plan, from).unwrap();
    let slow = rows::read(path, &opened, from).unwrap();
    (summary(&fast), summary(&slow))
}

const HOUR_MICROS: i64 = 3_600_000_000;
/// 2026-10-01T00:00:00Z.
const OCTOBER: i64 = 1_790_812_800_000_000;

/// The rows (from 0) of the FOCUS file that have no account.
const MISSING: [usize; 7] = [2_000, 4_320, 6_001, 7_000, 10_600, 10_700, 10_800];

#[test]
fn a_focus_file_reads_the_same_by_columns_as_by_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("focus.parquet");
    let schema = "message focus {
        OPTIONAL DOUBLE BilledCost;
        OPTIONAL INT64 EffectiveCost (DECIMAL(18,10));
        REQUIRED BOOLEAN NotRead;
        OPTIONAL INT64 ChargePeriodStart (TIMESTAMP(MICROS,true));
        OPTIONAL BYTE_ARRAY ProviderName (STRING);
        OPTIONAL BYTE_ARRAY SubAccountId (STRING);
        OPTIONAL BYTE_ARRAY ServiceName (STRING);
        OPTIONAL BYTE_ARRAY ChargeCategory (STRING);
        OPTIONAL BYTE_ARRAY RegionId (STRING);
        OPTIONAL BYTE_ARRAY x_UsageType (STRING);
        OPTIONAL BYTE_ARRAY ResourceId (STRING);
        OPTIONAL BYTE_ARRAY Tags (JSON);
    }";
    let mut random = Lcg(7);
    let mut group = |rows: usize, first: usize| -> Vec<Written> {
        let mut c: Vec<Vec<Option<String>>> = vec![Vec::new(); 8];
        let (mut billed, mut effective, mut start) = (Vec::new(), Vec::new(), Vec::new());
        for n in first..first + rows {
            let r = random.next(1000);
            billed.push((r != 3).then_some(r as f64 * 0.000_123_456_7 - 0.01));
            effective.push((r % 11 != 0).then(|| r as i64 * 987_654_321 - 50_000));
            start.push(Some(OCTOBER + (n as i64 / 40) * HOUR_MICROS));
            let pick =
                |options: &[&str], i: u64| Some(options[i as usize % options.len()].to_string());
            c[0].push(pick(&["AWS", "Microsoft", "Google Cloud"], r / 300));
            // Rows without an account, in every group: both readers name the first five
            // in the file's order, whichever thread read them.
            c[1].push((!MISSING.contains(&n)).then(|| format!("acct-{}", r % 7)));
            c[2].push(pick(&["Compute", "Storage", "Database", "Networking"], r));
            c[3].push(pick(
                &["Usage", "Usage", "Tax", "Credit", "Purchase"],
                r / 7,
            ));
            c[4].push(if r % 13 == 0 {
                None
            } else {
                pick(&["us-east-1", "eu-west-1"], r)
            });
            c[5].push(pick(
                &["BoxUsage", "TimedStorage", "DataTransfer-Out"],
                r / 3,
            ));
            c[6].push((r % 5 != 0).then(|| format!("res-{}", r % 97)));
            c[7].push(match r % 4 {
                0 => None,
                1 => Some("{\"team\": \"a, b\", \"env\": \"prod\"}".into()),
                2 => Some("{\"team\": \"ünïcode \\\"quoted\\\"\"}".into()),
                _ => Some("not json".into()),
            });
        }
        let mut out = vec![
            Written::Double(billed),
            Written::Long(effective),
            Written::Bool(vec![true; rows]),
            Written::Long(start),
        ];
        out.extend(c.into_iter().map(Written::Text));
        out
    };
    let groups = vec![group(6_000, 0), group(4_500, 6_000), group(500, 10_500)];
    write(&path, schema, &groups);
    let (fast, slow) = both(&path);
    let named: Vec<String> = [2_001, 4_321, 6_002, 7_001, 10_601]
        .iter()
        .map(|row| format!("\"  row {row}: no SubAccountId\""))
        .collect();
    let expected = format!("FOCUS 10993 7 [{}]", named.join(", "));
    assert!(fast.starts_with(&expected), "{}", &fast[..300]);
    let read = read_parquet(&path, chrono::NaiveDate::from_ymd_opt(2026, 10, 5)).unwrap();
    let (detail, names) = read.totals.detail();
    let first = detail
        .resource_days(names)
        .flat_map(|r| r.days().map(|d| d.day))
        .min();
    assert_eq!(first, chrono::NaiveDate::from_ymd_opt(2026, 10, 5));
    assert_eq!(fast, slow);
}

#[test]
fn a_cur_file_with_map_columns_reads_the_same_by_columns_as_by_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cur.parquet");
    let schema = "message cur {
        REQUIRED INT64 line_item_usage_start_date (TIMESTAMP(MILLIS,true));
        REQUIRED BYTE_ARRAY line_item_usage_account_id (STRING);
        REQUIRED BYTE_ARRAY line_item_product_code (STRING);
        REQUIRED BYTE_ARRAY line_item_line_item_type (STRING);
        OPTIONAL DOUBLE line_item_unblended_cost;
        OPTIONAL GROUP product (MAP) {
            REPEATED GROUP key_value {
                REQUIRED BYTE_ARRAY key (STRING);
                OPTIONAL BYTE_ARRAY value (STRING);
            }
        }
        OPTIONAL GROUP resource_tags (MAP) {
            REPEATED GROUP key_value {
                REQUIRED BYTE_ARRAY key (STRING);
                OPTIONAL BYTE_ARRAY value (STRING);
            }
        }
        OPTIONAL BYTE_ARRAY line_item_resource_id (STRING);
    }";
    let mut random = Lcg(11);
    let mut group = |rows: usize| -> Vec<Written> {
        let mut out: Vec<Vec<Option<String>>> = vec![Vec::new(); 4];
        let (mut start, mut cost, mut product, mut tags) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for n in 0..rows {
            let r = random.next(1000);
            start.push(Some(OCTOBER / 1000 + (n as i64 / 25) * HOUR_MICROS / 1000));
            out[0].push(Some(format!("{:012}", r % 5)));
            out[1].push(Some(
                ["AmazonEC2", "AmazonS3", "AWSLambda"][r as usize % 3].into(),
            ));
            out[2].push(Some(["Usage", "Tax", "Credit"][r as usize / 400].into()));
            out[3].push((r % 3 != 0).then(|| format!("arn:aws:ec2:i-{}", r % 41)));
            cost.push(Some(r as f64 / 7.0));
            let named = |name: &str| (name.to_string(), Some(format!("{name}-{}", r % 3)));
            product.push(match r % 5 {
                0 => None,
                1 => Some(vec![named("sku"), named("region")]),
                _ => Some(vec![named("sku"), named("product_name"), named("family")]),
            });
            tags.push(match r % 6 {
                0 => None,
                1 => Some(Vec::new()),
                2 => Some(vec![("user_team".into(), None)]),
                3 => Some(vec![("user_team".into(), Some("a \"b\"".into()))]),
                _ => Some(vec![
                    ("user_team".into(), Some(format!("t{}", r % 4))),
                    ("user_env".into(), Some("prod".into())),
                    ("aws_created_by".into(), Some("ü".into())),
                ]),
            });
        }
        let mut columns = vec![Written::Long(start)];
        columns.extend(out.drain(..3).map(Written::Text));
        columns.push(Written::Double(cost));
        columns.push(Written::Map(product));
        columns.push(Written::Map(tags));
        columns.extend(out.drain(..).map(Written::Text));
        columns
    };
    let groups = vec![group(5_000), group(9_000)];
    write(&path, schema, &groups);
    let (fast, slow) = both(&path);
    assert!(fast.starts_with("CUR 2.0 14000 0"), "{}", &fast[..100]);
    assert!(
        fast.contains("product_name-1"),
        "the product map's name is the service"
    );
    assert!(
        fast.contains("user_team") && fast.contains("aws_created_by"),
        "tags from the map"
    );
    assert_eq!(fast, slow);
}

#[test]
fn a_file_of_a_kind_the_column_reader_leaves_is_read_by_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("int96.parquet");
    let schema = "message focus {
        REQUIRED INT96 ChargePeriodStart;
        OPTIONAL DOUBLE BilledCost;
        OPTIONAL DOUBLE EffectiveCost;
        OPTIONAL BYTE_ARRAY SubAccountId (STRING);
        OPTIONAL BYTE_ARRAY ServiceName (STRING);
    }";
    let mut day = Int96::new();
    // 2026-10-01 is Julian day 2,461,315; the nanoseconds of the day are 0.
    day.set_data(0, 0, 2_461_315);
    let text = |v: &str| Written::Text(vec![Some(v.to_string()); 3]);
    let group = vec![
        Written::Int96(vec![day; 3]),
        Written::Double(vec![Some(1.25); 3]),
        Written::Double(vec![Some(1.0); 3]),
        text("acct-1"),
        text("Compute"),
    ];
    write(&path, schema, &[group]);
    let opened = open(&path).unwrap();
    assert!(
        columns::plan(&opened).is_none(),
        "INT96 is left to the rows"
    );
    let read = read_parquet(&path, None).unwrap();
    assert_eq!(read.totals.lines, 3);
    let days: Vec<_> = read.totals.days().iter().collect();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].day.to_string(), "2026-10-01");
    assert_eq!(
        days[0].billed,
        crate::domain::Money::from_nanos(3_750_000_000)
    );
}
