//! The scan's units of work: a job per account (enter it, list its regions), per
//! account-region and per account's buckets; what each found; and how a found unit is
//! judged by the rules.

use crate::domain::findings::Finding;
use crate::domain::inventory::{stored_buckets, Bucket, RegionInventory, StoredResource, Unread};
use crate::domain::prices::PriceTable;
use crate::domain::rules::Thresholds;
use crate::domain::rules::{evaluate_buckets, evaluate_region, RuleContext};
use crate::domain::sources::{InventorySource, Regions, SourceError, Tally};
use crate::store::{ACCOUNT_UNIT, S3_UNIT};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// One unit judged: what to store, the findings, and what could not be read.
pub(super) struct Evaluated {
    pub unit: String,
    pub stored: Vec<StoredResource>,
    pub findings: Vec<Finding>,
    pub unread: Vec<Unread>,
}

pub(super) fn evaluate<E>(
    account: &str,
    prices: &PriceTable,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
    found: Found<E>,
) -> Evaluated {
    match found {
        Found::Region { region, inventory } => {
            let ctx = RuleContext {
                account,
                region: &region,
                prices,
                thresholds,
                now,
            };
            Evaluated {
                findings: evaluate_region(&ctx, &inventory),
                stored: inventory.stored(&region),
                unit: region,
                unread: inventory.unread,
            }
        }
        Found::Buckets { buckets, unread } => Evaluated {
            findings: evaluate_buckets(account, prices, thresholds, now, &buckets),
            stored: stored_buckets(&buckets),
            unit: S3_UNIT.to_string(),
            unread,
        },
        Found::Account { .. } => Evaluated {
            unit: ACCOUNT_UNIT.to_string(),
            stored: Vec::new(),
            findings: Vec::new(),
            unread: Vec::new(),
        },
    }
}

pub(super) enum Job<S: InventorySource> {
    /// Reach the account and list its regions.
    Enter(String),
    Region {
        account: String,
        entered: Arc<S::Entered>,
        region: String,
    },
    Buckets {
        account: String,
        entered: Arc<S::Entered>,
    },
}

pub(super) enum Found<E> {
    Account {
        entered: E,
        regions: Regions,
    },
    Region {
        region: String,
        inventory: RegionInventory,
    },
    Buckets {
        buckets: Vec<Bucket>,
        unread: Vec<Unread>,
    },
}

pub(super) struct Outcome<E> {
    pub account: String,
    pub unit: String,
    pub region: Option<String>,
    pub meter: Tally,
    pub result: Result<Found<E>, SourceError>,
}

impl<S: InventorySource> Job<S> {
    pub(super) async fn run(self, source: Arc<S>) -> Outcome<S::Entered> {
        let (account, unit, region, read) = match self {
            Job::Enter(account) => {
                let read = source.enter(&account).await;
                let home = Some(source.home_region().to_string());
                let read = read.map(|(entered, regions)| Found::Account { entered, regions });
                (account, ACCOUNT_UNIT.to_string(), home, read)
            }
            Job::Region {
                account,
                entered,
                region,
            } => {
                let read = source.region(&entered, &region).await;
                let found = read.map(|inventory| Found::Region {
                    region: region.clone(),
                    inventory,
                });
                (account, region.clone(), Some(region), found)
            }
            Job::Buckets { account, entered } => {
                let read = source.buckets(&entered).await;
                let found = read.map(|(buckets, unread)| Found::Buckets { buckets, unread });
                (account, S3_UNIT.to_string(), None, found)
            }
        };
        Outcome {
            account,
            unit,
            region,
            meter: read.tally,
            result: read.result,
        }
    }
}
