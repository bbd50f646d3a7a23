//! `costscope sync --source export`: the billing periods of an AWS Data Export (CUR 2.0
//! or FOCUS, Parquet or gzip CSV) from its S3 bucket into the cache, without a single
//! Cost Explorer request. One listing tells which periods changed since the last sync
//! (their manifests' and data objects' ETags); only those are downloaded, each read
//! whole and written in one transaction, so a period that cannot be read leaves the
//! cached one as it was.

use super::{
    claim_cache, load_organization, Identified, Progress, SyncError, SyncEvent, SyncOptions,
};
use crate::domain::export::{self, ExportLocation, Period};
use crate::domain::focus::LineTotals;
use crate::domain::sources::{ExportBucket, ExportCatalog, Fetched, MeterLabel};
use crate::domain::Month;
use crate::import::{self, ImportError};
use crate::store::{ApiCall, Store};
use std::path::{Path, PathBuf};

/// What the cache records as the source of months read from an export.
pub const SOURCE: &str = "data-export";

/// What an export sync did, for the CLI's summary and exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    pub scope: Option<String>,
    /// Billing periods read and written.
    pub written: Vec<Month>,
    /// Billing periods whose objects had not changed: nothing downloaded.
    pub unchanged: Vec<Month>,
    /// Line items read, and daily rows they summed to.
    pub lines: u64,
    pub rows: u64,
    /// Objects downloaded (manifests and data files) and their bytes.
    pub downloads: u32,
    pub bytes: u64,
    /// S3 requests sent (listing pages, downloads, retries).
    pub requests: u32,
    pub failures: Vec<String>,
    /// The table each written period held ("CUR 2.0", "FOCUS").
    pub tables: Vec<(Month, &'static str)>,
}

/// The export sync into `store` (which must be, or become, the cache of the scope).
pub async fn run(
    store: &mut Store,
    directory: &impl super::Directory,
    bucket: &impl ExportBucket,
    location: &ExportLocation,
    identified: &Identified,
    options: &SyncOptions,
    progress: &mut dyn Progress,
) -> Result<ExportReport, SyncError> {
    claim_cache(store, &identified.scope)?;
    identified.record_calls(store)?;
    let mut report = ExportReport {
        scope: Some(identified.scope.to_string()),
        ..ExportReport::default()
    };
    progress.event(&SyncEvent::Scope(identified.scope.clone()));
    load_organization(store, directory, identified, options.now, progress).await?;

    let listing = bucket.list(&location.list_prefix()).await;
    let objects =
        take(store, options, "ListObjectsV2", listing, &mut report)?.map_err(|reason| {
            SyncError::Export(format!(
                "listing s3://{}/{}: {reason}",
                location.bucket,
                location.list_prefix()
            ))
        })?;
    let periods = location.periods(&objects);
    if periods.is_empty() {
        return Err(SyncError::Export(format!(
            "no billing period under s3://{}/{}: a Data Export delivers metadata/BILLING_PERIOD=YYYY-MM/…-Manifest.json there (check the export's S3 location and name)",
            location.bucket,
            location.list_prefix()
        )));
    }
    let scratch = Scratch::create()?;
    // Newest first, as the Cost Explorer sync: a stop keeps what people look at.
    for (index, period) in periods.iter().rev().enumerate() {
        let digest = period.digest();
        if !options.full && store.export_digest(period.month)?.as_deref() == Some(digest.as_str()) {
            report.unchanged.push(period.month);
            continue;
        }
        progress.event(&SyncEvent::MonthStarted {
            month: period.month,
            index,
            of: periods.len(),
        });
        let requests_before = report.requests;
        let read = read_period(store, bucket, period, options, &scratch, &mut report).await?;
        let (totals, table) = match read.and_then(|read| within_period(period.month, read)) {
            Ok(read) => read,
            Err(reason) => {
                report.failures.push(format!("{}: {reason}", period.month));
                progress.event(&SyncEvent::MonthFailed {
                    month: period.month,
                    reason,
                });
                continue;
            }
        };
        let is_final = export::is_final(period.month, options.today);
        let published = import::publish(store, &totals, SOURCE, options.now, |_| is_final)?;
        store.set_export_digest(period.month, &digest, &period.manifest.key)?;
        report.lines += totals.lines;
        report.rows += published.rows;
        report.written.push(period.month);
        report.tables.push((period.month, table));
        progress.event(&SyncEvent::MonthLoaded {
            month: period.month,
            rows: published.rows,
            requests: report.requests - requests_before,
            is_final,
        });
    }
    store.set_stamp_meta("last_sync_at", options.now)?;
    store.set_meta("last_sync_failures", &report.failures.len().to_string())?;
    Ok(report)
}

/// The export to read when only its name (or nothing) is given: from the Data Exports
/// API, its S3 location and the bucket's region. The requests are kept in the meter.
pub async fn locate(
    store: &Store,
    catalog: &impl ExportCatalog,
    wanted: Option<&str>,
    identified: &Identified,
    options: &SyncOptions,
) -> Result<(ExportLocation, String), SyncError> {
    claim_cache(store, &identified.scope)?;
    let fetched = catalog.exports().await;
    store.record_api_call(&ApiCall {
        at: options.now,
        service: "bcm-data-exports",
        operation: "ListExports/GetExport",
        account: Some(identified.identity.account_id.clone()),
        region: None,
        requests: fetched.requests,
        throttled: fetched.throttles,
        metrics: 0,
        error: fetched.result.as_ref().err().map(ToString::to_string),
    })?;
    let exports = match fetched.result {
        Ok(exports) => exports,
        Err(e) if e.is_offline() || e.is_credentials() => return Err(e.into()),
        Err(e) => {
            return Err(SyncError::Export(format!(
                "cannot find the export through the Data Exports API ({e}): pass --export s3://BUCKET/PREFIX/EXPORT-NAME, or allow bcm-data-exports:ListExports and GetExport (docs/sources.md)"
            )))
        }
    };
    export::choose_export(&exports, wanted).map_err(|e| SyncError::Export(e.to_string()))
}

/// An S3 request's outcome counted in the report and recorded in the API meter.
fn take<T>(
    store: &Store,
    options: &SyncOptions,
    operation: &'static str,
    fetched: Fetched<T>,
    report: &mut ExportReport,
) -> Result<Result<T, String>, SyncError> {
    report.requests += fetched.requests;
    let label = MeterLabel {
        service: "s3",
        operation,
        region: None,
    };
    super::take_answer(store, options.now, label, fetched)
}

/// The period's manifest, then each data file it lists, downloaded and summed. A file
/// whose ETag differs from the listing's changed while the sync ran: the period is
/// left for the next sync rather than written half old, half new.
async fn read_period(
    store: &Store,
    bucket: &impl ExportBucket,
    period: &Period,
    options: &SyncOptions,
    scratch: &Scratch,
    report: &mut ExportReport,
) -> Result<Result<(LineTotals, &'static str), String>, SyncError> {
    let manifest = bucket.read(&period.manifest.key).await;
    let text = match take(store, options, "GetObject", manifest, report)? {
        Ok(bytes) => bytes,
        Err(reason) => return Ok(Err(reason)),
    };
    report.downloads += 1;
    report.bytes += text.len() as u64;
    let keys = match export::manifest_data_keys(
        &period.manifest.key,
        &String::from_utf8_lossy(&text),
        bucket.bucket(),
    ) {
        Ok(keys) => keys,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let mut reads = Reads {
        resource_days_from: Some(crate::domain::detail::resource_days_from(options.today)),
        ..Reads::default()
    };
    let summed = async {
        for (n, key) in keys.iter().enumerate() {
            let path = scratch.file(n);
            let fetched = bucket.download(key, &path).await;
            let got = match take(store, options, "GetObject", fetched, report)? {
                Ok(got) => got,
                Err(reason) => return Ok(Err(reason)),
            };
            report.downloads += 1;
            report.bytes += got.size;
            if let Some(listed) = period.data.iter().find(|o| &o.key == key) {
                if listed.etag != got.etag {
                    return Ok(Err(format!(
                        "{key} changed while it was read; the next sync reads the period again"
                    )));
                }
            }
            let uri = PathBuf::from(format!("s3://{}/{key}", bucket.bucket()));
            if let Err(reason) = reads.start(path, uri).await {
                return Ok(Err(reason));
            }
        }
        Ok(reads.sums().await)
    }
    .await;
    // A read still running when the period failed is waited for: it must not outlive
    // the scratch directory its file is in.
    reads.finish().await;
    summed
}

/// The files read while the next ones download: each is parsed on a blocking thread, a
/// few at a time (`CSV_READS_AT_ONCE`, `PARQUET_READS_AT_ONCE`), and absorbed in the
/// manifest's order (a resource's region is its first line's, so the order must not
/// depend on which read ends first).
#[derive(Default)]
struct Reads {
    running: std::collections::VecDeque<(PathBuf, tokio::task::JoinHandle<ReadResult>)>,
    totals: LineTotals,
    table: Option<&'static str>,
    /// Lines from this day on are also summed by resource and day.
    resource_days_from: Option<chrono::NaiveDate>,
}

type ReadResult = Result<import::ReadFile, ImportError>;

/// Reads that may run at once: two gzip CSV files, one core each (a stream is read on
/// one thread), but one Parquet file, as it already spreads its row groups over the
/// cores, each core's share holding sums of its own until merged: a second file would
/// add memory, not speed. Between reads, one runs while the next file downloads.
const CSV_READS_AT_ONCE: usize = 2;
const PARQUET_READS_AT_ONCE: usize = 1;

impl Reads {
    /// Starts reading `path` (named `uri` in errors) once fewer reads run than its kind
    /// allows, then absorbs the oldest until only it runs while the next downloads.
    async fn start(&mut self, path: PathBuf, uri: PathBuf) -> Result<(), String> {
        let at_once = if import::is_parquet(&path) {
            PARQUET_READS_AT_ONCE
        } else {
            CSV_READS_AT_ONCE
        };
        while self.running.len() >= at_once {
            self.absorb_oldest().await?;
        }
        let named = uri.clone();
        let from = self.resource_days_from;
        let read = tokio::task::spawn_blocking(move || {
            let read = import::read_file(&path, from).and_then(|mut read| {
                read.path = named;
                read.check(false).map(|()| read)
            });
            let _ = std::fs::remove_file(&path);
            read
        });
        self.running.push_back((uri, read));
        while self.running.len() > 1 {
            self.absorb_oldest().await?;
        }
        Ok(())
    }

    async fn absorb_oldest(&mut self) -> Result<(), String> {
        let Some((uri, read)) = self.running.pop_front() else {
            return Ok(());
        };
        match read.await {
            Ok(Ok(read)) => {
                self.table = Some(read.table);
                self.totals.absorb(read.totals);
                Ok(())
            }
            Ok(Err(e)) => Err(e.at(&uri).to_string()),
            Err(failed) => Err(format!("{}: the read failed: {failed}", uri.display())),
        }
    }

    /// Every read absorbed: the period's sums and its table's name.
    async fn sums(&mut self) -> Result<(LineTotals, &'static str), String> {
        while !self.running.is_empty() {
            self.absorb_oldest().await?;
        }
        let totals = std::mem::take(&mut self.totals);
        Ok((totals, self.table.unwrap_or("FOCUS")))
    }

    /// Waits for the reads still running, their results unused.
    async fn finish(self) {
        for (_, read) in self.running {
            let _ = read.await;
        }
    }
}

/// A billing period's files hold its own month only; a day outside it is refused
/// rather than written over another month.
fn within_period(
    month: Month,
    (totals, table): (LineTotals, &'static str),
) -> Result<(LineTotals, &'static str), String> {
    if let Some(other) = totals.months().into_iter().find(|m| *m != month) {
        return Err(format!(
            "holds costs of {other} outside its billing period {month}"
        ));
    }
    Ok((totals, table))
}

/// An owner-only directory the data files are downloaded into, removed when done.
struct Scratch(PathBuf);

impl Scratch {
    fn create() -> Result<Scratch, SyncError> {
        // One directory per sync, not per process: two syncs at once (the TUI's and a
        // test's neighbour) must not remove each other's files.
        static SYNCS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SYNCS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("costscope-export-{}-{n}", std::process::id()));
        let made = std::fs::DirBuilder::new()
            .recursive(true)
            .mode_owner_only()
            .create(&dir);
        made.map_err(|e| SyncError::Export(format!("{}: {e}", dir.display())))?;
        Ok(Scratch(dir))
    }

    fn file(&self, n: usize) -> PathBuf {
        self.0.join(format!("part-{n}"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

trait OwnerOnly {
    fn mode_owner_only(&mut self) -> &mut Self;
}

impl OwnerOnly for std::fs::DirBuilder {
    #[cfg(unix)]
    fn mode_owner_only(&mut self) -> &mut Self {
        use std::os::unix::fs::DirBuilderExt;
        self.mode(0o700)
    }
    #[cfg(not(unix))]
    fn mode_owner_only(&mut self) -> &mut Self {
        self
    }
}

impl ImportError {
    /// The same error, naming `path` (the S3 object, not the scratch file).
    pub fn at(self, path: &Path) -> ImportError {
        let path = path.to_path_buf();
        match self {
            ImportError::Open { source, .. } => ImportError::Open { path, source },
            ImportError::Format { source, .. } => ImportError::Format { path, source },
            ImportError::Csv { line, message, .. } => ImportError::Csv {
                path,
                line,
                message,
            },
            ImportError::Parquet { message, .. } => ImportError::Parquet { path, message },
            ImportError::BadLines {
                count, unit, named, ..
            } => ImportError::BadLines {
                path,
                count,
                unit,
                named,
            },
            ImportError::MonthHeld { month, held, .. } => {
                ImportError::MonthHeld { path, month, held }
            }
            other => other,
        }
    }
}
