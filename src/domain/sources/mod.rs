//! The ports through which data reaches costscope. `sync` and `scan` are written
//! against these traits only; the AWS adapters (`src/aws`) implement them, a second
//! cost source (cost exports, Athena) is one more implementation, and tests hand in
//! fakes. A port's methods return futures: the domain awaits nothing and names no
//! runtime.

mod error;
mod tally;

pub use error::SourceError;
pub use tally::{CallCount, Tally};

use super::inventory::{Bucket, RegionInventory, Unread};
use super::{DateRange, Money, Organization};
use chrono::NaiveDate;
use std::future::Future;

/// A request chain's outcome with what it took: every request sent counts, the
/// throttled ones and those before a failure included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched<T> {
    pub result: Result<T, SourceError>,
    pub requests: u32,
    pub throttles: u32,
}

/// A read whose requests are counted per operation (a scan's reads, each in its
/// account and region).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metered<T> {
    pub result: Result<T, SourceError>,
    pub tally: Tally,
}

impl<T> Metered<T> {
    /// The same read, its answer turned into something else.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Metered<U> {
        Metered {
            result: self.result.map(f),
            tally: self.tally,
        }
    }
}

/// One day of one service in one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostRow {
    pub account_id: String,
    pub service: String,
    pub day: NaiveDate,
    pub unblended: Money,
    pub amortized: Money,
}

/// What one fetch of a period returned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeriodCosts {
    pub rows: Vec<CostRow>,
    /// The source marks figures that can still change as estimated.
    pub estimated: bool,
    /// Pages read (with Cost Explorer each is a billed request).
    pub pages: u32,
}

/// The signed-in account and, if it belongs to one, its organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account_id: String,
    /// (organization id, management account id)
    pub organization: Option<(String, String)>,
    /// Why the organization is unknown, when it could not be read (not "no organization").
    pub organization_unreadable: Option<SourceError>,
}

/// The regions an account can use, and those it has not opted in to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Regions {
    pub enabled: Vec<String>,
    pub not_opted_in: Vec<String>,
}

/// Where a source's requests are kept in the cache's API meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeterLabel {
    pub service: &'static str,
    pub operation: &'static str,
    pub region: Option<&'static str>,
}

/// Who is signed in, and the organization they can see (AWS STS and Organizations,
/// whatever the cost source).
pub trait Directory: Sync {
    /// The signed-in account and its organization. Credentials and network failures
    /// are errors; anything else about the organization is kept as the reason it is
    /// unknown.
    fn identify(&self) -> impl Future<Output = Result<Identity, SourceError>> + Send;

    /// The whole organization: every OU and account.
    fn organization(&self) -> impl Future<Output = Fetched<Organization>> + Send;
}

/// Months of cost rows for a scope: what the cost sync needs.
pub trait CostSource: Sync {
    /// Kept with each month it writes, so the views can say where a month came from.
    fn name(&self) -> &'static str;

    /// Where its requests are kept in the API meter.
    fn label(&self) -> MeterLabel;

    /// What `requests` requests cost: the sync's cap is checked against it.
    fn price(&self, requests: u32) -> Money;

    /// Daily costs by account and service for `days` (inclusive, within one month).
    /// Either the whole period arrives or an error does: a failed page publishes nothing.
    fn daily_costs(&self, days: DateRange) -> impl Future<Output = Fetched<PeriodCosts>> + Send;

    /// The part of `daily_costs` billed once a month (fees, support, tax: see
    /// `fees::ONCE_A_MONTH_RECORD_TYPES`), by account, service and day, told apart so
    /// that comparisons can spread it over its month. Same contract as `daily_costs`.
    fn once_a_month_fees(
        &self,
        days: DateRange,
    ) -> impl Future<Output = Fetched<PeriodCosts>> + Send;
}

/// The bucket an AWS Data Export is delivered to: listed, and its objects fetched.
pub trait ExportBucket: Sync {
    /// The bucket's name, as the manifests' `s3://` URIs name it.
    fn bucket(&self) -> &str;

    /// Every object under `prefix`, with its ETag (all pages).
    fn list(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Fetched<Vec<super::export::StoredObject>>> + Send;

    /// A small object (a manifest) whole.
    fn read(&self, key: &str) -> impl Future<Output = Fetched<Vec<u8>>> + Send;

    /// A data object streamed into the file at `to`; its ETag and size.
    fn download(
        &self,
        key: &str,
        to: &std::path::Path,
    ) -> impl Future<Output = Fetched<super::export::StoredObject>> + Send;
}

/// The Data Exports API: the account's exports, each with its table and S3 destination.
pub trait ExportCatalog: Sync {
    fn exports(&self)
        -> impl Future<Output = Fetched<Vec<super::export::ExportDefinition>>> + Send;
}

/// What the scan reads per account and per account-region.
pub trait InventorySource: Send + Sync + 'static {
    /// An account reached (with its own credentials), used for each of its units.
    type Entered: Send + Sync + 'static;

    /// The region an account's listing (`enter`, buckets) is sent to.
    fn home_region(&self) -> &str;

    /// Reaches `account` and lists its regions.
    fn enter(
        &self,
        account: &str,
    ) -> impl Future<Output = Metered<(Self::Entered, Regions)>> + Send;

    /// Everything the regional rules judge in one region of an entered account.
    fn region(
        &self,
        account: &Self::Entered,
        region: &str,
    ) -> impl Future<Output = Metered<RegionInventory>> + Send;

    /// The account's buckets, and what of them could not be read.
    fn buckets(
        &self,
        account: &Self::Entered,
    ) -> impl Future<Output = Metered<(Vec<Bucket>, Vec<Unread>)>> + Send;
}
