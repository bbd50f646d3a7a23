//! `costscope import`: FOCUS files from three clouds, with the quirks real files have
//! (nulls written as NULL, JSON tags, hourly periods, credits, tax, long decimals), into
//! a real cache that `costs` then reads to the cent.

mod common;

use costscope::domain::exact::ExactSum;
use costscope::domain::{Metric, Money, Month};
use costscope::store::Store;
use std::io::Write;
use std::path::Path;
use std::process::Command;

fn costscope(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_costscope"));
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("COSTSCOPE_TODAY", "2026-11-20")
        .env_remove("COSTSCOPE_CACHE")
        .env_remove("COSTSCOPE_CONFIG_DIR");
    cmd
}

/// `costscope import` of `file` into `cache`, with `extra` flags.
fn import(home: &Path, cache: &Path, file: &Path, extra: &[&str]) -> std::process::Output {
    costscope(home)
        .args(["import", "--cache", cache.to_str().unwrap()])
        .args(extra)
        .arg(file)
        .output()
        .unwrap()
}

/// FOCUS 1.0's columns, in the order AWS's FOCUS export writes them (a subset of the
/// optional ones).
const HEADER: &str = "BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,PricingCategory,ProviderName,PublisherName,RegionId,ResourceId,ServiceCategory,ServiceName,SubAccountId,SubAccountName,Tags";

struct Item {
    billed: &'static str,
    effective: &'static str,
    category: &'static str,
    frequency: &'static str,
    start: String,
    provider: &'static str,
    account: &'static str,
    account_name: &'static str,
    service: &'static str,
}

fn csv_line(i: &Item) -> String {
    format!(
        "{billed},999999999999,payer,USD,2023-06-01T00:00:00Z,2023-05-01T00:00:00Z,{category},NULL,\"a line, with a comma\",{frequency},NULL,{start},NULL,{effective},{provider},{billed},Standard,{provider},{provider},us-east-1,i-0abc,Compute,\"{service}\",{account},{account_name},\"{{\"\"team\"\": \"\"a, b\"\", \"\"env\"\": \"\"prod\"\"}}\"",
        billed = i.billed,
        category = i.category,
        frequency = i.frequency,
        start = i.start,
        effective = i.effective,
        provider = i.provider,
        service = i.service,
        account = i.account,
        account_name = i.account_name,
    )
}

/// May 2023 (past Cost Explorer's 13 months): hourly usage in three clouds, a credit,
/// and tax on the 1st.
fn items() -> Vec<Item> {
    let mut out = Vec::new();
    for day in 1..=3 {
        for hour in [0, 13, 23] {
            out.push(Item {
                billed: "0.012345678901",
                effective: "0.011111111111",
                category: "Usage",
                frequency: "Usage-Based",
                start: format!("2023-05-{day:02}T{hour:02}:00:00Z"),
                provider: "AWS",
                account: "111111111111",
                account_name: "payments-prod",
                service: "Amazon Elastic Compute Cloud",
            });
        }
    }
    out.push(Item {
        billed: "-5.5",
        effective: "-5.5",
        category: "Credit",
        frequency: "One-Time",
        start: "2023-05-02T00:00:00Z".into(),
        provider: "AWS",
        account: "111111111111",
        account_name: "payments-prod",
        service: "Amazon Elastic Compute Cloud",
    });
    out.push(Item {
        billed: "12.34",
        effective: "12.34",
        category: "Tax",
        frequency: "One-Time",
        start: "2023-05-01 00:00:00".into(),
        provider: "AWS",
        account: "111111111111",
        account_name: "NULL",
        service: "Tax",
    });
    out.push(Item {
        billed: "40.000000000049",
        effective: "NULL",
        category: "Usage",
        frequency: "Usage-Based",
        start: "2023-05-31T22:00:00+00:00".into(),
        provider: "Microsoft",
        account: "8f1c-sub",
        account_name: "azure-data",
        service: "Virtual Machines",
    });
    out.push(Item {
        billed: "7.25",
        effective: "7.25",
        category: "Usage",
        frequency: "Usage-Based",
        start: "2023-05-15T00:00:00Z".into(),
        provider: "Google Cloud",
        account: "analytics-prj",
        account_name: "",
        service: "BigQuery",
    });
    out
}

fn write_csv(path: &Path, items: &[Item], extra: &[&str]) {
    let mut text = format!("{HEADER}\n");
    for i in items {
        text.push_str(&csv_line(i));
        text.push('\n');
    }
    for line in extra {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn exact_total(items: &[Item]) -> Money {
    let mut sum = ExactSum::ZERO;
    for i in items {
        sum += ExactSum::parse(i.billed).unwrap();
    }
    sum.to_money()
}

/// Each stored day is rounded once to the nano-dollar: a month differs from the exact
/// sum of its lines by less than a nano-dollar per day and service, never by a cent.
fn assert_to_the_cent(stored: Money, exact: Money) {
    assert_eq!(stored.cents(), exact.cents(), "{stored} vs {exact}");
    assert!(
        (stored - exact).abs().nanos() <= 10,
        "{:?} vs {:?}",
        stored,
        exact
    );
}

fn assert_nothing_imported(cache: &Path) {
    let months = Store::open(cache).unwrap().summary().unwrap().months;
    assert!(months.is_empty(), "{months:?}");
}

fn may() -> Month {
    Month::new(2023, 5).unwrap()
}

#[test]
fn a_focus_file_from_three_clouds_imports_to_the_cent_and_costs_reads_it() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("imported.sqlite");
    let file = home.path().join("focus.csv");
    let items = items();
    write_csv(&file, &items, &[]);
    let out = import(home.path(), &cache, &file, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let total = exact_total(&items);
    assert!(stdout.contains("13 lines · 2023-05"), "{stdout}");
    assert!(
        stdout.contains(&format!("billed {}", total.format_exact())),
        "{stdout}"
    );
    assert!(
        stdout.contains("AWS $6.95")
            && stdout.contains("Google Cloud $7.25")
            && stdout.contains("Microsoft $40.00"),
        "{stdout}"
    );

    // The month reads back exactly, by account, from the CLI.
    let out = costscope(home.path())
        .args([
            "costs",
            "--cache",
            cache.to_str().unwrap(),
            "--month",
            "2023-05",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reported: Money = report["total"].as_str().unwrap().parse().unwrap();
    assert_to_the_cent(reported, total);
    let store = Store::open(&cache).unwrap();
    assert_eq!(
        store.raw_month_total(may(), Metric::Unblended).unwrap(),
        reported
    );
    // Effective cost is the amortized metric; NULL counts nothing.
    let mut effective = ExactSum::ZERO;
    for i in &items {
        if i.effective != "NULL" {
            effective += ExactSum::parse(i.effective).unwrap();
        }
    }
    assert_to_the_cent(
        store.raw_month_total(may(), Metric::Amortized).unwrap(),
        effective.to_money(),
    );
    // The credit and the tax are billed once: kept apart for comparisons.
    let fees: Money = store
        .fees(None, may().range(), Metric::Unblended)
        .unwrap()
        .iter()
        .map(|(_, f)| f.amount)
        .sum();
    assert_eq!(fees, "6.84".parse().unwrap());
    // Accounts keep the file's names and their clouds.
    let (org, _) = store.organization().unwrap();
    assert!(org.accounts.iter().any(|a| a.name == "azure-data"));
    assert!(org.accounts.iter().any(|a| a.name == "payments-prod"));
    let conn = rusqlite::Connection::open(&cache).unwrap();
    let provider: String = conn
        .query_row(
            "SELECT provider FROM accounts WHERE id = 'analytics-prj'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(provider, "Google Cloud");
    let month = &store.summary().unwrap().months[0];
    assert!(month.is_final && month.fees_known && month.source == "focus-file");
}

#[test]
fn a_gzip_file_imports_the_same_and_a_second_import_replaces_its_months() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("imported.sqlite");
    let plain = home.path().join("focus.csv");
    let items = items();
    write_csv(&plain, &items, &[]);
    let gz = home.path().join("focus.csv.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    encoder.write_all(&std::fs::read(&plain).unwrap()).unwrap();
    encoder.finish().unwrap();
    for _ in 0..2 {
        let out = import(home.path(), &cache, &gz, &[]);
        assert!(out.status.success(), "{out:?}");
    }
    let store = Store::open(&cache).unwrap();
    assert_to_the_cent(
        store.raw_month_total(may(), Metric::Unblended).unwrap(),
        exact_total(&items),
    );
}

#[test]
fn a_file_with_a_bad_line_imports_nothing_unless_bad_lines_are_skipped() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("imported.sqlite");
    let file = home.path().join("focus.csv");
    let items = items();
    let mut bad = csv_line(&items[0]);
    bad = bad.replace("2023-05-01T00:00:00Z,NULL,0.011", "yesterday,NULL,0.011");
    assert!(bad.contains("yesterday"), "{bad}");
    write_csv(&file, &items, &[&bad]);
    let run = |extra: &[&str]| import(home.path(), &cache, &file, extra);
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("1 line could not be read, so nothing of it was imported")
            && stderr.contains("line 15: ChargePeriodStart: not a time: \"yesterday\""),
        "{stderr}"
    );
    assert_nothing_imported(&cache);

    let out = run(&["--skip-bad-rows"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("1 line skipped"), "{stderr}");
    assert_to_the_cent(
        Store::open(&cache)
            .unwrap()
            .raw_month_total(may(), Metric::Unblended)
            .unwrap(),
        exact_total(&items),
    );

    // A file that is not FOCUS says which columns it lacks.
    std::fs::write(&file, "a,b\n1,2\n").unwrap();
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not a FOCUS file: no BilledCost"),
        "{stderr}"
    );
}

#[test]
fn a_month_the_cache_holds_from_cost_explorer_is_kept_unless_replaced() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("org.sqlite");
    {
        let mut store = Store::open(&cache).unwrap();
        store
            .replace_month(
                costscope::store::MonthStatus {
                    month: may(),
                    fetched_at: costscope::domain::Stamp::now(),
                    is_final: true,
                    source: "cost-explorer".into(),
                    fees: Some(Vec::new()),
                },
                Vec::new(),
            )
            .unwrap();
    }
    let file = home.path().join("focus.csv");
    write_csv(&file, &items(), &[]);
    let run = |extra: &[&str]| import(home.path(), &cache, &file, extra);
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("2023-05 is cached from cost-explorer") && stderr.contains("--replace"),
        "{stderr}"
    );
    assert!(run(&["--replace"]).status.success());
}

/// The same items as a FOCUS Parquet file, Snappy-compressed as AWS writes it: costs as
/// DOUBLE (BilledCost) and DECIMAL(38,12) (EffectiveCost), the period as a timestamp,
/// `NULL` items as nulls.
fn write_parquet(path: &Path, items: &[Item]) {
    use parquet::basic::Compression;
    use parquet::data_type::{
        ByteArray, ByteArrayType, DoubleType, FixedLenByteArray, FixedLenByteArrayType, Int64Type,
    };
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;

    let schema = parse_message_type(
        "message focus {
            OPTIONAL DOUBLE BilledCost;
            OPTIONAL FIXED_LEN_BYTE_ARRAY (16) EffectiveCost (DECIMAL(38,12));
            OPTIONAL INT64 ChargePeriodStart (TIMESTAMP(MILLIS,true));
            OPTIONAL BYTE_ARRAY ProviderName (STRING);
            OPTIONAL BYTE_ARRAY SubAccountId (STRING);
            OPTIONAL BYTE_ARRAY SubAccountName (STRING);
            OPTIONAL BYTE_ARRAY ServiceName (STRING);
            OPTIONAL BYTE_ARRAY ChargeCategory (STRING);
            OPTIONAL BYTE_ARRAY ChargeFrequency (STRING);
            OPTIONAL BYTE_ARRAY BillingCurrency (STRING);
            OPTIONAL BYTE_ARRAY Tags (STRING);
        }",
    )
    .unwrap();
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer =
        SerializedFileWriter::new(file, Arc::new(schema), Arc::new(properties)).unwrap();
    let mut group = writer.next_row_group().unwrap();
    let present = |v: &str| v != "NULL" && !v.is_empty();
    let levels =
        |values: Vec<&str>| -> Vec<i16> { values.iter().map(|v| i16::from(present(v))).collect() };
    let millis = |start: &str| -> i64 {
        chrono::DateTime::parse_from_rfc3339(start)
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(|_| {
                chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%d %H:%M:%S")
                    .unwrap()
                    .and_utc()
                    .timestamp_millis()
            })
    };
    let decimal = |v: &str| -> FixedLenByteArray {
        let (negative, digits) = v.strip_prefix('-').map_or((false, v), |d| (true, d));
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let scaled: i128 = format!("{whole}{fraction:0<12}").parse().unwrap();
        let signed = if negative { -scaled } else { scaled };
        FixedLenByteArray::from(signed.to_be_bytes().to_vec())
    };
    let strings = |column: usize, i: &Item| -> String {
        match column {
            3 => i.provider.into(),
            4 => i.account.into(),
            5 => i.account_name.into(),
            6 => i.service.into(),
            7 => i.category.into(),
            8 => i.frequency.into(),
            9 => "USD".into(),
            _ => "{\"team\": \"a, b\"}".into(),
        }
    };
    let mut column = 0;
    while let Some(mut writer) = group.next_column().unwrap() {
        match column {
            0 => {
                let values: Vec<f64> = items.iter().map(|i| i.billed.parse().unwrap()).collect();
                writer
                    .typed::<DoubleType>()
                    .write_batch(&values, Some(&vec![1; items.len()]), None)
                    .unwrap();
            }
            1 => {
                let raw: Vec<&str> = items.iter().map(|i| i.effective).collect();
                let values: Vec<FixedLenByteArray> = raw
                    .iter()
                    .filter(|v| present(v))
                    .map(|v| decimal(v))
                    .collect();
                writer
                    .typed::<FixedLenByteArrayType>()
                    .write_batch(&values, Some(&levels(raw)), None)
                    .unwrap();
            }
            2 => {
                let values: Vec<i64> = items.iter().map(|i| millis(&i.start)).collect();
                writer
                    .typed::<Int64Type>()
                    .write_batch(&values, Some(&vec![1; items.len()]), None)
                    .unwrap();
            }
            n => {
                let raw: Vec<String> = items.iter().map(|i| strings(n, i)).collect();
                let values: Vec<ByteArray> = raw
                    .iter()
                    .filter(|v| present(v))
                    .map(|v| ByteArray::from(v.as_str()))
                    .collect();
                writer
                    .typed::<ByteArrayType>()
                    .write_batch(
                        &values,
                        Some(&levels(raw.iter().map(String::as_str).collect())),
                        None,
                    )
                    .unwrap();
            }
        }
        writer.close().unwrap();
        column += 1;
    }
    group.close().unwrap();
    writer.close().unwrap();
}

#[test]
fn a_parquet_file_imports_the_same_months_as_its_csv_to_the_nano_dollar() {
    let home = tempfile::tempdir().unwrap();
    let items = items();
    let (csv, parquet) = (
        home.path().join("focus.csv"),
        home.path().join("focus.parquet"),
    );
    write_csv(&csv, &items, &[]);
    write_parquet(&parquet, &items);
    let totals = |file: &Path, name: &str| {
        let cache = home.path().join(name);
        let out = import(home.path(), &cache, file, &[]);
        assert!(out.status.success(), "{out:?}");
        let store = Store::open(&cache).unwrap();
        [Metric::Unblended, Metric::Amortized].map(|m| store.raw_month_total(may(), m).unwrap())
    };
    let from_csv = totals(&csv, "csv.sqlite");
    assert_eq!(totals(&parquet, "parquet.sqlite"), from_csv);
    assert_to_the_cent(from_csv[0], exact_total(&items));

    // A row without an account: named by its number, and nothing imported.
    let mut broken = items;
    broken[4].account = "NULL";
    write_parquet(&parquet, &broken);
    let cache = home.path().join("broken.sqlite");
    let out = import(home.path(), &cache, &parquet, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("1 row could not be read") && stderr.contains("row 5: no SubAccountId"),
        "{stderr}"
    );
    assert_nothing_imported(&cache);
}

#[test]
fn accounts_of_several_clouds_each_name_their_provider_in_the_accounts_view() {
    use costscope::domain::RangePreset;
    use costscope::tui::action::Action;
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("imported.sqlite");
    let file = home.path().join("focus.csv");
    write_csv(&file, &items(), &[]);
    assert!(import(home.path(), &cache, &file, &[]).status.success());
    let mut app = common::app_on(Store::open(&cache).unwrap());
    app.dispatch(Action::Accounts);
    app.dispatch(Action::Range(RangePreset::Month(may())));
    let text = common::screen_text(&app, 120, 30);
    for shown in [
        "azure-data",
        "Microsoft · 8f1c-sub",
        "Google Cloud · analytics-prj",
        "AWS · 111111111111",
        "3 accounts · total $54.20",
    ] {
        assert!(text.contains(shown), "{shown} not in {text}");
    }
    // Grouped, the accounts outside the organization's OUs sit under their cloud.
    app.dispatch(Action::ToggleGrouping);
    let grouped = common::screen_text(&app, 120, 30);
    assert!(
        grouped.contains("Microsoft") && grouped.contains("1 accounts"),
        "{grouped}"
    );
}
