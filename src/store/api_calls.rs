//! The API-cost meter: every AWS request chain costscope makes, with how many billed
//! requests it took. No credentials or headers are ever stored here.

use super::{Store, StoreResult};
use crate::domain::Stamp;
use rusqlite::params;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    /// RFC 3339 time of the call.
    pub at: Stamp,
    /// "ce", "organizations", "sts", ...
    pub service: &'static str,
    pub operation: &'static str,
    pub account: Option<String>,
    pub region: Option<String>,
    /// Requests sent (each page and each retry is one).
    pub requests: u32,
    /// How many of them were throttled (the column once held 0/1).
    pub throttled: u32,
    /// Metrics requested (CloudWatch GetMetricData bills per metric).
    pub metrics: u32,
    pub error: Option<String>,
}

impl Store {
    pub fn record_api_call(&self, call: &ApiCall) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT INTO api_calls
                    (at, service, operation, account, region, requests, throttled, error, metrics)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    call.at,
                    call.service,
                    call.operation,
                    call.account,
                    call.region,
                    call.requests,
                    call.throttled,
                    call.error,
                    call.metrics
                ],
            )
            .map(|_| ())
            .map_err(|e| self.sql_err(e))
    }

    /// Requests made to `service` at or after `since` (an RFC 3339 prefix such as
    /// "2026-11" works, since times sort as text).
    pub fn api_requests_since(&self, service: &str, since: &str) -> StoreResult<u64> {
        self.conn
            .query_row(
                "SELECT coalesce(SUM(requests), 0) FROM api_calls WHERE service = ?1 AND at >= ?2",
                params![service, since],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.sql_err(e))
    }
}

impl Store {
    /// Cost Explorer requests since the first of `month` ("YYYY-MM"), and what they cost.
    pub fn ce_requests_in_month(&self, month: &str) -> StoreResult<u64> {
        self.api_requests_since("ce", month)
    }
}

/// What a scan's API use amounted to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApiUse {
    pub requests: u64,
    pub metrics: u64,
}

impl Store {
    /// Requests and metrics sent to `service` at or after `since`.
    pub fn api_use_since(&self, service: &str, since: &str) -> StoreResult<ApiUse> {
        self.conn
            .query_row(
                "SELECT coalesce(SUM(requests), 0), coalesce(SUM(metrics), 0)
                 FROM api_calls WHERE service = ?1 AND at >= ?2",
                params![service, since],
                |r| {
                    Ok(ApiUse {
                        requests: r.get::<_, i64>(0)?.max(0) as u64,
                        metrics: r.get::<_, i64>(1)?.max(0) as u64,
                    })
                },
            )
            .map_err(|e| self.sql_err(e))
    }
}
