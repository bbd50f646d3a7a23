//! Cost Explorer: one month of daily costs by linked account and service, both metrics
//! in the same request (they cost nothing extra), every page; and the same month's
//! charges billed once a month, apart.

use super::pace::Pacer;
use super::{map_error, SourceError};
use crate::config::CostExplorerSettings;
use crate::domain::call_prices::ce_price;
use crate::domain::fees::ONCE_A_MONTH_RECORD_TYPES;
use crate::domain::sources::{CostRow, CostSource, Fetched, MeterLabel, PeriodCosts};
use crate::domain::{DateRange, Money};
use aws_sdk_costexplorer::operation::get_cost_and_usage::GetCostAndUsageOutput;
use aws_sdk_costexplorer::types::{
    DateInterval, Dimension, DimensionValues, Expression, Granularity, GroupDefinition,
    GroupDefinitionType,
};
use aws_sdk_costexplorer::Client;
use chrono::{Duration, NaiveDate};
use std::time::Duration as Wait;

/// Cost Explorer's endpoint lives in us-east-1 whatever region the clients use.
pub const CE_REGION: &str = "us-east-1";

/// How requests are made: paced, and retried on throttling with exponential backoff.
#[derive(Debug, Clone, Copy)]
pub struct CallPolicy<'a> {
    pub pacer: &'a Pacer,
    /// Attempts per page, the first included.
    pub max_attempts: u32,
    /// The wait after the first throttle; it doubles after each one, up to 20 s.
    pub first_backoff: Wait,
}

const MAX_BACKOFF: Wait = Wait::from_secs(20);

/// The cost source of the sync today: Cost Explorer, paced and retried by costscope
/// itself so that every billed attempt is counted.
#[derive(Debug)]
pub struct CostExplorer {
    client: Client,
    pacer: Pacer,
    max_attempts: u32,
    first_backoff: Wait,
}

impl CostExplorer {
    pub fn new(client: Client, settings: &CostExplorerSettings) -> CostExplorer {
        CostExplorer {
            client,
            pacer: Pacer::per_second(settings.requests_per_second),
            max_attempts: settings.max_attempts,
            first_backoff: settings.first_backoff,
        }
    }
}

impl CostSource for CostExplorer {
    fn name(&self) -> &'static str {
        "cost-explorer"
    }

    fn label(&self) -> MeterLabel {
        MeterLabel {
            service: "ce",
            operation: "GetCostAndUsage",
            region: Some(CE_REGION),
        }
    }

    fn price(&self, requests: u32) -> Money {
        ce_price(u64::from(requests))
    }

    async fn daily_costs(&self, days: DateRange) -> Fetched<PeriodCosts> {
        fetch_daily_costs(&self.client, days, Chain::Daily, self.policy()).await
    }

    async fn once_a_month_fees(&self, days: DateRange) -> Fetched<PeriodCosts> {
        fetch_daily_costs(&self.client, days, Chain::OnceAMonthFees, self.policy()).await
    }
}

impl CostExplorer {
    fn policy(&self) -> CallPolicy<'_> {
        CallPolicy {
            pacer: &self.pacer,
            max_attempts: self.max_attempts,
            first_backoff: self.first_backoff,
        }
    }
}

/// Which rows a chain asks for: every cost, or only the charges billed once a month
/// (filtered by RECORD_TYPE: a chain of its own, usually one page a month, since those
/// charges sit on few days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    Daily,
    OnceAMonthFees,
}

impl Chain {
    fn filter(self) -> Result<Option<Expression>, SourceError> {
        match self {
            Chain::Daily => Ok(None),
            Chain::OnceAMonthFees => {
                let values = DimensionValues::builder()
                    .key(Dimension::RecordType)
                    .set_values(Some(
                        ONCE_A_MONTH_RECORD_TYPES
                            .iter()
                            .map(|t| t.to_string())
                            .collect(),
                    ))
                    .build();
                Ok(Some(Expression::builder().dimensions(values).build()))
            }
        }
    }
}

/// Daily costs for `days` (inclusive), grouped by LINKED_ACCOUNT and SERVICE. Either the
/// whole period arrives or an error does: a failed page publishes nothing.
pub async fn fetch_daily_costs(
    client: &Client,
    days: DateRange,
    chain: Chain,
    policy: CallPolicy<'_>,
) -> Fetched<PeriodCosts> {
    let mut counts = Counts::default();
    let result = fetch_pages(client, days, chain, policy, &mut counts).await;
    Fetched {
        result,
        requests: counts.requests,
        throttles: counts.throttles,
    }
}

/// The request counters a fetch reports, whatever its outcome.
#[derive(Default)]
struct Counts {
    requests: u32,
    throttles: u32,
}

async fn fetch_pages(
    client: &Client,
    days: DateRange,
    chain: Chain,
    policy: CallPolicy<'_>,
    counts: &mut Counts,
) -> Result<PeriodCosts, SourceError> {
    let filter = chain.filter()?;
    let interval = DateInterval::builder()
        .start(days.start.to_string())
        // The end date is exclusive.
        .end((days.end + Duration::days(1)).to_string())
        .build()
        .map_err(|e| bad(e.to_string()))?;
    let mut out = PeriodCosts::default();
    let mut token: Option<String> = None;
    loop {
        let page = request_page(
            client,
            &interval,
            filter.clone(),
            token.clone(),
            policy,
            counts,
        )
        .await?;
        out.pages += 1;
        read_page(&page, &mut out)?;
        token = page
            .next_page_token()
            .map(str::to_string)
            .filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(out);
        }
    }
}

const OPERATION: &str = "GetCostAndUsage";

fn bad(message: String) -> SourceError {
    SourceError::BadResponse {
        operation: OPERATION,
        message,
    }
}

/// One page, paced, retried on throttling with a doubling backoff.
async fn request_page(
    client: &Client,
    interval: &DateInterval,
    filter: Option<Expression>,
    token: Option<String>,
    policy: CallPolicy<'_>,
    counts: &mut Counts,
) -> Result<GetCostAndUsageOutput, SourceError> {
    let group = |key: &str| {
        GroupDefinition::builder()
            .r#type(GroupDefinitionType::Dimension)
            .key(key)
            .build()
    };
    let mut backoff = policy.first_backoff;
    let mut attempts = 0;
    loop {
        policy.pacer.wait().await;
        counts.requests += 1;
        attempts += 1;
        let answer = client
            .get_cost_and_usage()
            .time_period(interval.clone())
            .granularity(Granularity::Daily)
            .metrics("UnblendedCost")
            .metrics("AmortizedCost")
            .group_by(group("LINKED_ACCOUNT"))
            .group_by(group("SERVICE"))
            .set_filter(filter.clone())
            .set_next_page_token(token.clone())
            .send()
            .await
            .map_err(|e| map_error(OPERATION, e));
        match answer {
            Err(SourceError::Throttled { .. }) => {
                counts.throttles += 1;
                if attempts >= policy.max_attempts.max(1) {
                    return Err(SourceError::Throttled {
                        operation: OPERATION,
                    });
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            other => return other,
        }
    }
}

/// The page's rows, added to `out`: one per day, account and service, both metrics.
fn read_page(page: &GetCostAndUsageOutput, out: &mut PeriodCosts) -> Result<(), SourceError> {
    for result in page.results_by_time() {
        out.estimated |= result.estimated();
        let start = result
            .time_period()
            .map(|p| p.start())
            .ok_or_else(|| bad("a result without a time period".into()))?;
        let day: NaiveDate = start
            .parse()
            .map_err(|_| bad(format!("bad date {start:?}")))?;
        for g in result.groups() {
            let [account, service] = g.keys() else {
                return Err(bad(format!("expected two group keys, got {:?}", g.keys())));
            };
            let amount = |metric: &str| -> Result<Money, SourceError> {
                let text = g
                    .metrics()
                    .and_then(|m| m.get(metric))
                    .and_then(|v| v.amount())
                    .ok_or_else(|| bad(format!("{metric} missing for {account}/{service}")))?;
                text.parse().map_err(|e| bad(format!("{metric}: {e}")))
            };
            out.rows.push(CostRow {
                account_id: account.clone(),
                service: service.clone(),
                day,
                unblended: amount("UnblendedCost")?,
                amortized: amount("AmortizedCost")?,
            });
        }
    }
    Ok(())
}
