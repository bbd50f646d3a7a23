//! `costscope sync --source export`: an AWS Data Export (CUR 2.0 in Parquet, FOCUS in
//! gzip CSV) in moto's S3 on loopback, with manifests as Data Exports writes them, read
//! by the real S3 client into a real cache. A second sync downloads nothing; a restated
//! period is replaced whole; a corrupt object leaves the cached period as it was.

mod common;

use aws_sdk_s3::primitives::ByteStream;
use costscope::aws::export_bucket::S3ExportBucket;
use costscope::aws::CostClients;
use costscope::domain::exact::ExactSum;
use costscope::domain::export::ExportLocation;
use costscope::domain::{DetailMetric, Metric, Money, Month};
use costscope::store::Store;
use costscope::sync::export::ExportReport;
use costscope::sync::{self, SyncEvent, SyncOptions};
use std::io::Write;

use common::moto::{costscope_at, create_member, fresh_organization, moto_url, MOTO};
use common::parquet::{write_table, Kind};

const BUCKET: &str = "billing-exports";
const CUR_ROOT: &str = "cur/org-cur2";
const MANAGEMENT: &str = "123456789012";

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

fn month(text: &str) -> Month {
    Month::parse(text).unwrap()
}

/// One CUR 2.0 line item: the columns costscope reads, plus some it does not.
#[derive(Clone)]
struct Cur {
    start: String,
    account: String,
    product: &'static str,
    kind: &'static str,
    unblended: &'static str,
    sp_effective: &'static str,
    sp_commitment: &'static str,
    sp_used: &'static str,
}

const CUR_COLUMNS: &[(&str, Kind)] = &[
    ("identity_line_item_id", Kind::Text),
    ("bill_payer_account_id", Kind::Text),
    ("line_item_usage_start_date", Kind::Millis),
    ("line_item_usage_account_id", Kind::Text),
    ("line_item_product_code", Kind::Text),
    ("line_item_line_item_type", Kind::Text),
    ("line_item_usage_type", Kind::Text),
    ("line_item_unblended_cost", Kind::Double),
    ("line_item_currency_code", Kind::Text),
    ("savings_plan_savings_plan_effective_cost", Kind::Double),
    ("savings_plan_total_commitment_to_date", Kind::Double),
    ("savings_plan_used_commitment", Kind::Double),
    ("line_item_resource_id", Kind::Text),
];

impl Cur {
    fn row(&self, n: usize) -> Vec<String> {
        vec![
            format!("line-{n}"),
            MANAGEMENT.into(),
            self.start.clone(),
            self.account.clone(),
            self.product.into(),
            self.kind.into(),
            "USE1-BoxUsage:m5.large".into(),
            self.unblended.into(),
            "USD".into(),
            self.sp_effective.into(),
            self.sp_commitment.into(),
            self.sp_used.into(),
            "i-0abc".into(),
        ]
    }

    /// What Cost Explorer's amortized metric counts for this line.
    fn amortized(&self) -> ExactSum {
        let x = |t: &str| ExactSum::parse(t).unwrap();
        match self.kind {
            "SavingsPlanCoveredUsage" => x(self.sp_effective),
            "SavingsPlanRecurringFee" => x(self.sp_commitment) - x(self.sp_used),
            "SavingsPlanNegation" => ExactSum::ZERO,
            _ => x(self.unblended),
        }
    }
}

fn line(
    m: Month,
    day: u32,
    hour: u32,
    account: &str,
    product: &'static str,
    kind: &'static str,
    unblended: &'static str,
) -> Cur {
    Cur {
        start: format!("{m}-{day:02}T{hour:02}:00:00Z"),
        account: account.to_string(),
        product,
        kind,
        unblended,
        sp_effective: "",
        sp_commitment: "",
        sp_used: "",
    }
}

/// A month's hourly EC2 usage (48 hours, 10 decimals) in the member account.
fn usage(m: Month, member: &str) -> Vec<Cur> {
    (0..48)
        .map(|h| {
            line(
                m,
                1 + h / 24,
                h % 24,
                member,
                "AmazonEC2",
                "Usage",
                "0.0416666667",
            )
        })
        .collect()
}

/// A month's Savings Plans lines (covered usage, its negation, the recurring fee),
/// tax, a credit and some S3.
fn commitments(m: Month, member: &str, tax: &'static str, credit: bool) -> Vec<Cur> {
    let mut out = Vec::new();
    for h in 0..24 {
        let mut covered = line(
            m,
            3,
            h,
            member,
            "AmazonEC2",
            "SavingsPlanCoveredUsage",
            "0.096",
        );
        covered.sp_effective = "0.0612345678";
        out.push(covered);
        out.push(line(
            m,
            3,
            h,
            member,
            "AmazonEC2",
            "SavingsPlanNegation",
            "-0.096",
        ));
    }
    let mut fee = line(
        m,
        1,
        0,
        MANAGEMENT,
        "ComputeSavingsPlans",
        "SavingsPlanRecurringFee",
        "72",
    );
    fee.sp_commitment = "72";
    fee.sp_used = "1.4696296272";
    out.push(fee);
    out.push(line(m, 1, 0, MANAGEMENT, "AWSSupport", "Tax", tax));
    out.push(line(m, 2, 5, member, "AmazonS3", "Usage", "3.3333333333"));
    if credit {
        out.push(line(m, 2, 0, member, "AmazonS3", "Credit", "-1.25"));
    }
    out
}

fn totals(lines: &[Cur]) -> [Money; 2] {
    let mut billed = ExactSum::ZERO;
    let mut amortized = ExactSum::ZERO;
    for l in lines {
        billed += ExactSum::parse(l.unblended).unwrap();
        amortized += l.amortized();
    }
    [billed.to_money(), amortized.to_money()]
}

fn stored(store: &Store, m: Month) -> [Money; 2] {
    [Metric::Unblended, Metric::Amortized].map(|metric| store.raw_month_total(m, metric).unwrap())
}

/// Each stored day is rounded once: a month is within a few nano-dollars of the exact
/// sum of its lines, and equal to the cent.
fn assert_to_the_cent(stored: [Money; 2], exact: [Money; 2]) {
    for (s, e) in stored.iter().zip(exact) {
        assert_eq!(s.cents(), e.cents(), "{s} vs {e}");
        assert!((*s - e).abs().nanos() <= 10, "{s:?} vs {e:?}");
    }
}

fn parquet_bytes(lines: &[Cur]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("part.parquet");
    let rows: Vec<Vec<String>> = lines.iter().enumerate().map(|(n, l)| l.row(n)).collect();
    write_table(&path, CUR_COLUMNS, &rows);
    std::fs::read(path).unwrap()
}

async fn put(s3: &aws_sdk_s3::Client, key: &str, body: Vec<u8>) {
    s3.put_object()
        .bucket(BUCKET)
        .key(key)
        .body(ByteStream::from(body))
        .send()
        .await
        .unwrap();
}

/// A period's data files and then its manifest, as Data Exports delivers them.
async fn deliver(s3: &aws_sdk_s3::Client, root: &str, m: Month, files: &[(&str, Vec<u8>)]) {
    let name = root.rsplit('/').next().unwrap();
    let mut uris = Vec::new();
    for (file, body) in files {
        let key = format!("{root}/data/BILLING_PERIOD={m}/{file}");
        put(s3, &key, body.clone()).await;
        uris.push(format!("s3://{BUCKET}/{key}"));
    }
    let manifest = serde_json::json!({
        "executionId": format!("exec-{m}"),
        "exportArn": format!("arn:aws:bcm-data-exports:us-east-1:{MANAGEMENT}:export/{name}"),
        "billingPeriod": {"start": format!("{m}-01T00:00:00.000Z")},
        "columns": [],
        "dataFiles": uris,
    });
    put(
        s3,
        &format!("{root}/metadata/BILLING_PERIOD={m}/{name}-Manifest.json"),
        manifest.to_string().into_bytes(),
    )
    .await;
}

async fn sync_export(
    store: &mut Store,
    clients: &CostClients,
    config: &aws_config::SdkConfig,
    root: &str,
) -> ExportReport {
    let options = SyncOptions::new(today(), common::stamp("2026-11-20T07:00:00Z"));
    let identified = sync::identify(clients, options.now).await.unwrap();
    let location = ExportLocation::parse(&format!("s3://{BUCKET}/{root}")).unwrap();
    let bucket = S3ExportBucket::new(config, "us-east-1", BUCKET);
    let mut events = Vec::new();
    let mut note = |e: &SyncEvent| events.push(e.to_string());
    sync::export::run(
        store,
        clients,
        &bucket,
        &location,
        &identified,
        &options,
        &mut note,
    )
    .await
    .unwrap()
}

#[test]
fn an_export_syncs_without_cost_explorer_then_downloads_only_what_changed() {
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    common::runtime().block_on(async {
        let (config, orgs) = fresh_organization(&url).await;
        let member = create_member(&orgs, "workloads").await;
        let clients = CostClients::new(&config);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        let (oct, nov) = (month("2026-10"), month("2026-11"));
        let oct_usage = usage(oct, &member);
        let oct_commitments = commitments(oct, &member, "5.1234567891", true);
        let nov_lines = usage(nov, &member);
        deliver(
            &s3,
            CUR_ROOT,
            oct,
            &[
                ("org-cur2-00001.snappy.parquet", parquet_bytes(&oct_usage)),
                (
                    "org-cur2-00002.snappy.parquet",
                    parquet_bytes(&oct_commitments),
                ),
            ],
        )
        .await;
        deliver(
            &s3,
            CUR_ROOT,
            nov,
            &[("org-cur2-00001.snappy.parquet", parquet_bytes(&nov_lines))],
        )
        .await;

        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let first = sync_export(&mut store, &clients, &config, CUR_ROOT).await;
        assert!(first.failures.is_empty(), "{:?}", first.failures);
        assert_eq!(first.written, [nov, oct], "newest first");
        assert_eq!(first.downloads, 5, "two manifests, three data files");
        assert_eq!(first.lines, (48 + 48 + 1 + 1 + 1 + 1 + 48) as u64);
        assert_eq!(first.tables[0].1, "CUR 2.0");
        let oct_all: Vec<Cur> = oct_usage.iter().chain(&oct_commitments).cloned().collect();
        assert_to_the_cent(stored(&store, oct), totals(&oct_all));
        assert_to_the_cent(stored(&store, nov), totals(&nov_lines));
        assert_eq!(
            store.api_requests_since("ce", "2000-01-01").unwrap(),
            0,
            "not a single Cost Explorer request"
        );
        assert!(store.api_requests_since("s3", "2000-01-01").unwrap() >= 6);
        let months = store.summary().unwrap().months;
        let info = |m: Month| months.iter().find(|i| i.month == m).unwrap().clone();
        assert_eq!(info(oct).source, "data-export");
        assert!(info(oct).is_final, "October ended more than two weeks ago");
        assert!(!info(nov).is_final, "the current period is still open");
        assert!(info(oct).fees_known, "the fee and the tax were told apart");
        // Past the service: every line's usage type and resource, summed by month.
        assert!(info(oct).detail_known);
        use costscope::domain::dimension::{DetailFilter, Dimension};
        let by = |d: Dimension| {
            store
                .detail_totals((oct, oct), &DetailFilter::NONE, d, DetailMetric::Cost(Metric::Unblended))
                .unwrap()
                .unwrap()
        };
        let usage_types = by(Dimension::UsageType);
        assert_eq!(usage_types.len(), 1, "{usage_types:?}");
        assert_eq!(
            usage_types[0].name.as_deref(),
            Some("USE1-BoxUsage:m5.large")
        );
        assert_eq!(usage_types[0].amount, Some(stored(&store, oct)[0]));
        let charges = by(Dimension::Charge);
        assert!(
            charges
                .iter()
                .any(|c| c.name.as_deref() == Some("SavingsPlanRecurringFee")),
            "{charges:?}"
        );
        let resources = by(Dimension::Resource);
        assert_eq!(resources[0].name.as_deref(), Some("i-0abc"));
        assert_eq!(resources[0].amount, Some(stored(&store, oct)[0]));

        // Nothing delivered since: one listing, no download.
        let again = sync_export(&mut store, &clients, &config, CUR_ROOT).await;
        assert_eq!((again.downloads, again.written.len()), (0, 0));
        assert_eq!(again.unchanged, [nov, oct]);
        assert_eq!(again.requests, 1, "one ListObjectsV2 page");

        // AWS restates October: the second file is delivered again without the credit
        // and with more tax. October is read again whole; November is not downloaded.
        let restated = commitments(oct, &member, "7.25", false);
        deliver(
            &s3,
            CUR_ROOT,
            oct,
            &[
                ("org-cur2-00001.snappy.parquet", parquet_bytes(&oct_usage)),
                ("org-cur2-00002.snappy.parquet", parquet_bytes(&restated)),
            ],
        )
        .await;
        let third = sync_export(&mut store, &clients, &config, CUR_ROOT).await;
        assert_eq!(third.written, [oct]);
        assert_eq!(third.unchanged, [nov]);
        assert_eq!(third.downloads, 3);
        let oct_restated: Vec<Cur> = oct_usage.iter().chain(&restated).cloned().collect();
        assert_to_the_cent(stored(&store, oct), totals(&oct_restated));
        assert_ne!(
            totals(&oct_restated),
            totals(&oct_all),
            "the restatement shows"
        );

        // A corrupt object: November fails, named by its S3 key, and keeps its data.
        let before = stored(&store, nov);
        put(
            &s3,
            &format!("{CUR_ROOT}/data/BILLING_PERIOD={nov}/org-cur2-00001.snappy.parquet"),
            b"PAR1 this is not a parquet file".to_vec(),
        )
        .await;
        let fourth = sync_export(&mut store, &clients, &config, CUR_ROOT).await;
        assert_eq!(fourth.written, Vec::<Month>::new());
        assert_eq!(fourth.failures.len(), 1, "{:?}", fourth.failures);
        assert!(
            fourth.failures[0].contains(&format!(
                "s3://{BUCKET}/{CUR_ROOT}/data/BILLING_PERIOD=2026-11/org-cur2-00001.snappy.parquet: not a readable Parquet file"
            )),
            "{:?}",
            fourth.failures
        );
        assert_eq!(
            stored(&store, nov),
            before,
            "the cached period is as it was"
        );
        assert_to_the_cent(stored(&store, oct), totals(&oct_restated));
    });
}

/// FOCUS 1.0's columns as AWS's FOCUS export writes a subset of them.
const FOCUS_HEADER: &str = "BilledCost,BillingCurrency,ChargeCategory,ChargeFrequency,ChargePeriodStart,EffectiveCost,ProviderName,ServiceName,SubAccountId,SubAccountName,Tags";

#[test]
fn a_focus_export_in_gzip_csv_syncs_to_the_cent_and_the_cli_reads_it() {
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");
    let oct = month("2026-10");
    let root = "focus/org-focus";
    let mut lines = vec![FOCUS_HEADER.to_string()];
    let mut billed = ExactSum::ZERO;
    for h in 0..72 {
        let amount = "0.1234567891";
        billed += ExactSum::parse(amount).unwrap();
        lines.push(format!(
            "{amount},USD,Usage,Usage-Based,2026-10-{:02}T{:02}:00:00Z,NULL,AWS,Amazon Elastic Compute Cloud,{MANAGEMENT},NULL,\"{{\"\"team\"\": \"\"a, b\"\"}}\"",
            1 + h / 24,
            h % 24
        ));
    }
    billed += ExactSum::parse("-2.5").unwrap();
    lines.push(format!(
        "-2.5,USD,Credit,One-Time,2026-10-05T00:00:00Z,-2.5,AWS,Amazon Simple Storage Service,{MANAGEMENT},,"
    ));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all((lines.join("\n") + "\n").as_bytes()).unwrap();
    let body = gz.finish().unwrap();
    common::runtime().block_on(async {
        let (config, _orgs) = fresh_organization(&url).await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        deliver(&s3, root, oct, &[("org-focus-00001.csv.gz", body)]).await;
    });

    let run = || {
        let out = costscope_at(dir.path(), &url)
            .args(["sync", "--source", "export", "--cache"])
            .arg(&cache)
            .args(["--export", &format!("s3://{BUCKET}/{root}")])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, stderr) = run();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "read 1 billing period of s3://billing-exports/focus/org-focus (FOCUS), 73 line items"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("no Cost Explorer request"), "{stderr}");
    let store = Store::open(&cache).unwrap();
    assert_eq!(
        store
            .raw_month_total(oct, Metric::Unblended)
            .unwrap()
            .cents(),
        billed.to_money().cents()
    );
    drop(store);
    let (code, stderr) = run();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("read 0 billing periods")
            && stderr.contains("1 period unchanged; 0 downloads"),
        "{stderr}"
    );
}

/// With `source = "export"`, the TUI's `r` reads the export: its dialog says no Cost
/// Explorer request, the sync fills the cache from S3, and not one Cost Explorer
/// request is sent or recorded.
#[test]
fn the_tuis_refresh_syncs_from_the_export_when_the_config_makes_it_the_source() {
    use costscope::tui::action::Action;
    use costscope::tui::jobs::{AwsJobs, Connect, ExportSync};
    let Some(url) = moto_url() else { return };
    let _turn = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    let (config, nov, lines) = common::runtime().block_on(async {
        let (config, orgs) = fresh_organization(&url).await;
        let member = create_member(&orgs, "workloads").await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        let nov = month("2026-11");
        let lines = usage(nov, &member);
        deliver(
            &s3,
            CUR_ROOT,
            nov,
            &[("org-cur2-00001.snappy.parquet", parquet_bytes(&lines))],
        )
        .await;
        (config, nov, lines)
    });
    let settings = costscope::config::Config::parse(
        std::path::Path::new("config.toml"),
        &format!("source = \"export\"\n[export]\nlocation = \"s3://{BUCKET}/{CUR_ROOT}\"\nregion = \"us-east-1\"\n"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let jobs = AwsJobs {
        cache: path.clone(),
        connect: Connect::Config(Box::new(config)),
        options: SyncOptions::new(today(), common::stamp("2026-11-20T07:00:00Z")),
        cost_explorer: Default::default(),
        export: settings.export_sync().map(|choice| ExportSync {
            choice,
            region: settings.export.region.clone(),
        }),
        scan: Default::default(),
        prices: costscope::config::prices::built_in_prices(),
    };
    let mut app = common::app_on(Store::open(&path).unwrap()).with_jobs(Box::new(jobs));
    app.dispatch(Action::Refresh);
    let dialog = common::screen_text(&app, 120, 30);
    assert!(
        dialog.contains(&format!("AWS Data Export at s3://{BUCKET}/{CUR_ROOT}"))
            && dialog.contains("no Cost Explorer request"),
        "{dialog}"
    );
    app.dispatch(Action::Enter);
    assert!(
        app.wait_for_sync(std::time::Duration::from_secs(120)),
        "the sync ended"
    );
    let message = format!("{:?}", app.state.message);
    assert!(
        message.contains("synced 1 changed billing period from the export")
            && message.contains("no Cost Explorer request"),
        "{message}"
    );
    let months = &app.state.summary.months;
    assert_eq!(months.len(), 1, "{message}");
    assert_eq!(months[0].source, "data-export");
    let store = Store::open(&path).unwrap();
    assert_to_the_cent(stored(&store, nov), totals(&lines));
    assert_eq!(store.api_requests_since("ce", "2000-01-01").unwrap(), 0);
}
