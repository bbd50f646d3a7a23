//! `costscope import`: local FOCUS files (Parquet, or CSV plain or gzip) into the cache.
//! Each file is read whole and summed by provider, account, service and day before
//! anything is written; a line (or row) that cannot be read is reported with its file
//! and number, and then nothing of that file is written unless bad lines are to be
//! skipped. Each file's months are replaced in one transaction.

use crate::domain::focus::{FocusDay, LineTotals, MissingColumns};
use crate::domain::line_table::LineTable;
use crate::domain::{Money, Month, Stamp};
use crate::store::{
    CostRecord, MonthDetail, MonthStatus, ResourceDaysRow, ResourceRow, SourceTotal, Store,
    StoreError, TagRow, UsageRow,
};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

mod parquet;

/// What the cache records as these months' source.
pub const SOURCE: &str = "focus-file";

/// How many unreadable lines a report names; the rest are counted.
const NAMED_BAD_LINES: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Format {
        path: PathBuf,
        source: MissingColumns,
    },
    #[error("{}: line {line}: {message}", path.display())]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// The file is not Parquet, or its footer, schema or pages cannot be decoded.
    #[error("{}: not a readable Parquet file: {message}", path.display())]
    Parquet { path: PathBuf, message: String },
    #[error(
        "{}: {} could not be read, so nothing of it was imported (--skip-bad-rows imports the rest):\n{}",
        path.display(),
        crate::domain::words::plural(*count, unit),
        named.join("\n")
    )]
    BadLines {
        path: PathBuf,
        count: u64,
        /// "line" (CSV) or "row" (Parquet).
        unit: &'static str,
        named: Vec<String>,
    },
    #[error(
        "{}: {month} is cached from {held}; costscope keeps one source per month (--replace takes the file's)",
        path.display()
    )]
    MonthHeld {
        path: PathBuf,
        month: Month,
        held: String,
    },
    #[error("this is the demo cache; import into a real cache (drop --cache to use the default)")]
    DemoCache,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One file, read and summed.
#[derive(Debug)]
pub struct ReadFile {
    pub path: PathBuf,
    pub totals: LineTotals,
    /// Lines (or rows) that could not be read ("line 7: no SubAccountId"), all counted.
    pub bad_lines: u64,
    pub named_bad_lines: Vec<String>,
    /// What the file is made of: "line" (CSV) or "row" (Parquet).
    pub unit: &'static str,
    /// The table its header named: "FOCUS" or "CUR 2.0".
    pub table: &'static str,
}

/// The first bytes of a Parquet file.
const PARQUET_MAGIC: &[u8] = b"PAR1";

/// Whether `path` holds Parquet (its reader spreads the row groups over the cores);
/// a file that cannot be opened is not, and `read_file` says why.
pub fn is_parquet(path: &Path) -> bool {
    let mut head = [0u8; PARQUET_MAGIC.len()];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut head))
        .is_ok_and(|()| head == PARQUET_MAGIC)
}

/// Reads a FOCUS file: Parquet, or CSV plain or gzip (told apart by their first bytes).
/// Lines from `resource_days_from` on are also summed by resource and day.
pub fn read_file(
    path: &Path,
    resource_days_from: Option<NaiveDate>,
) -> Result<ReadFile, ImportError> {
    let open = |source| ImportError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut file = BufReader::new(std::fs::File::open(path).map_err(open)?);
    let head = std::io::BufRead::fill_buf(&mut file).map_err(open)?;
    if head.starts_with(PARQUET_MAGIC) {
        return parquet::read_parquet(path, resource_days_from);
    }
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    read_csv(path, reader, resource_days_from)
}

fn read_csv(
    path: &Path,
    reader: impl Read,
    resource_days_from: Option<NaiveDate>,
) -> Result<ReadFile, ImportError> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let csv_error = |e: csv::Error| ImportError::Csv {
        path: path.to_path_buf(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };
    let header = csv.headers().map_err(csv_error)?.clone();
    let columns = LineTable::from_header(header.iter()).map_err(|source| ImportError::Format {
        path: path.to_path_buf(),
        source,
    })?;
    let mut read = ReadFile::new(path, "line", resource_days_from);
    read.table = columns.name();
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // A line the CSV parser cannot split (bad UTF-8, say): counted, named.
                read.reject(e.position().map_or(0, |p| p.line()), e.to_string());
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        match columns.read_line(|i| record.get(i).unwrap_or("")) {
            Ok(item) => read.totals.add(&item),
            Err(message) => read.reject(line, message),
        }
    }
    Ok(read)
}

impl ReadFile {
    fn new(path: &Path, unit: &'static str, resource_days_from: Option<NaiveDate>) -> ReadFile {
        ReadFile {
            path: path.to_path_buf(),
            totals: LineTotals::keeping_resource_days_from(resource_days_from),
            bad_lines: 0,
            named_bad_lines: Vec::new(),
            unit,
            table: "FOCUS",
        }
    }

    fn reject(&mut self, at: u64, message: String) {
        self.bad_lines += 1;
        if self.named_bad_lines.len() < NAMED_BAD_LINES {
            let unit = self.unit;
            self.named_bad_lines
                .push(format!("  {unit} {at}: {message}"));
        }
    }

    /// Refuses the file when a line could not be read, unless bad lines are skipped.
    pub fn check(&self, skip_bad_rows: bool) -> Result<(), ImportError> {
        if self.bad_lines == 0 || skip_bad_rows {
            return Ok(());
        }
        let mut named = self.named_bad_lines.clone();
        if self.bad_lines > named.len() as u64 {
            named.push(format!(
                "  and {} more",
                self.bad_lines - named.len() as u64
            ));
        }
        Err(ImportError::BadLines {
            path: self.path.clone(),
            count: self.bad_lines,
            unit: self.unit,
            named,
        })
    }
}

/// What one file brought into the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub path: PathBuf,
    pub lines: u64,
    pub skipped: u64,
    pub months: Vec<Month>,
    /// Billed cost per provider, over the file.
    pub by_provider: BTreeMap<String, Money>,
}

/// Writes a read file into `store`: its months replace what the cache held of them, in
/// one transaction. A month held from another source is refused unless `replace`.
pub fn write_file(
    store: &mut Store,
    read: &ReadFile,
    today: chrono::NaiveDate,
    now: Stamp,
    replace: bool,
) -> Result<Imported, ImportError> {
    let kind = store.meta("kind")?;
    if kind.as_deref() == Some("demo") {
        return Err(ImportError::DemoCache);
    }
    for month in read.totals.months() {
        if let Some(held) = store.month_source(month)? {
            if held != SOURCE && !replace {
                return Err(ImportError::MonthHeld {
                    path: read.path.clone(),
                    month,
                    held,
                });
            }
        }
    }
    if kind.is_none() {
        store.set_meta("kind", "import")?;
    }
    let current = Month::of(today);
    // A file's past months are as final as the file; the current one is not.
    let published = publish(store, &read.totals, SOURCE, now, |month| month < current)?;
    Ok(Imported {
        path: read.path.clone(),
        lines: read.totals.lines,
        skipped: read.bad_lines,
        months: published.months,
        by_provider: published.by_provider,
    })
}

/// Each month's sums past the service, in the cache's keys, made rows only as the
/// store writes them.
fn month_detail<'a>(
    totals: &'a LineTotals,
    accounts: &'a HashMap<String, i64>,
    services: &'a HashMap<&'a str, i64>,
) -> impl Iterator<Item = (Month, MonthDetail<'a>)> + 'a {
    let (detail, names) = totals.detail();
    let keys = move |account: &str, service: &str| (accounts[account], services[service]);
    totals.months().into_iter().map(move |month| {
        let usage = detail.usage(names).filter(move |u| u.month == month);
        let resources = detail.resources(names).filter(move |r| r.month == month);
        let tags = detail.tags(names).filter(move |t| t.month == month);
        let rows = MonthDetail {
            usage: Box::new(usage.map(move |u| {
                let (account, service) = keys(u.account, u.service);
                UsageRow {
                    account,
                    service,
                    region: u.region,
                    usage_type: u.usage_type,
                    operation: u.operation,
                    charge: u.charge,
                    pricing: u.pricing,
                    unblended: u.billed.nanos(),
                    amortized: u.effective.nanos(),
                    list: u.list.map(Money::nanos),
                    contracted: u.contracted.map(Money::nanos),
                }
            })),
            resources: Box::new(resources.map(move |r| {
                let (account, service) = keys(r.account, r.service);
                ResourceRow {
                    account,
                    service,
                    usage_type: r.usage_type,
                    resource: r.resource,
                    region: r.region,
                    unblended: r.billed.nanos(),
                    amortized: r.effective.nanos(),
                }
            })),
            resource_days: Box::new(detail.resource_days(names).map(move |r| {
                let (account, service) = keys(r.account, r.service);
                let days = r.days().filter(move |d| Month::of(d.day) == month);
                ResourceDaysRow {
                    account,
                    service,
                    resource: r.resource,
                    days: Box::new(days.map(|d| (d.day, d.billed.nanos(), d.effective.nanos()))),
                }
            })),
            tags: Box::new(tags.map(move |t| {
                let (account, service) = keys(t.account, t.service);
                TagRow {
                    account,
                    service,
                    key: t.key,
                    value: t.value,
                    unblended: t.billed.nanos(),
                    amortized: t.effective.nanos(),
                }
            })),
        };
        (month, rows)
    })
}

/// What `publish` wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    pub months: Vec<Month>,
    pub rows: u64,
    /// Billed cost per provider.
    pub by_provider: BTreeMap<String, Money>,
}

/// Replaces the months `totals` covers with its days and fees, in one transaction,
/// recorded as from `source`. Accounts gain the names and providers the lines gave
/// them (names from the organization are kept).
pub fn publish(
    store: &mut Store,
    totals: &LineTotals,
    source: &str,
    now: Stamp,
    is_final: impl Fn(Month) -> bool,
) -> Result<Published, StoreError> {
    let days = totals.days();
    let mut accounts: HashMap<String, i64> = HashMap::new();
    for (provider, account, name) in totals.accounts() {
        let key = store.ensure_account(&account)?;
        store.describe_account(key, name.as_deref(), &provider)?;
        accounts.insert(account, key);
    }
    let mut services: HashMap<&str, i64> = HashMap::new();
    for day in days.iter() {
        if !services.contains_key(day.service) {
            services.insert(day.service, store.ensure_service(day.service)?);
        }
    }
    let record = |d: &FocusDay| CostRecord {
        account: accounts[d.account],
        service: services[d.service],
        day: d.day,
        unblended: d.billed.nanos(),
        amortized: d.effective.nanos(),
    };
    let mut fees: BTreeMap<Month, Vec<CostRecord>> = BTreeMap::new();
    for fee in totals.fees() {
        fees.entry(Month::of(fee.day))
            .or_default()
            .push(record(&fee));
    }
    let months = totals.months();
    let statuses: Vec<MonthStatus> = months
        .iter()
        .map(|&month| MonthStatus {
            month,
            fetched_at: now,
            is_final: is_final(month),
            source: source.to_string(),
            fees: Some(fees.remove(&month).unwrap_or_default()),
        })
        .collect();
    let detail = month_detail(totals, &accounts, &services);
    let rows = store.replace_months_detailed(&statuses, days.iter().map(|d| record(&d)), detail)?;
    if let Some(from) = totals.detail().0.resource_days_window() {
        store.prune_resource_days(from)?;
    }
    let mut by_charge: BTreeMap<Month, Vec<SourceTotal>> = BTreeMap::new();
    for charge in totals.charges() {
        by_charge
            .entry(charge.month)
            .or_default()
            .push(SourceTotal {
                account: accounts[&charge.account],
                charge: charge.charge,
                unblended: charge.billed.nanos(),
                amortized: charge.effective.nanos(),
            });
    }
    for month in &months {
        let totals = by_charge.remove(month).unwrap_or_default();
        store.replace_source_totals(*month, source, &totals)?;
    }
    let mut by_provider: BTreeMap<&str, Money> = BTreeMap::new();
    for day in days.iter() {
        *by_provider.entry(day.provider).or_default() += day.billed;
    }
    let by_provider: BTreeMap<String, Money> = by_provider
        .into_iter()
        .map(|(provider, billed)| (provider.to_string(), billed))
        .collect();
    Ok(Published {
        months: months.into_iter().collect(),
        rows,
        by_provider,
    })
}
