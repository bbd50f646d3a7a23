//! `costscope costs`: one month of the cache by account or by service, as a table, JSON
//! or CSV, for scripts and scheduled reports. Reads the cache only; never the network.

use super::{DataSource, Format, ReportError};
use crate::domain::dimension::{DetailFilter, Dimension};
use crate::domain::{DetailMetric, Money, Month, Stamp};
use crate::store::{Scope, Store};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Account,
    Service,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// The 12-digit account id, or the service name.
    pub key: String,
    /// The account name; `None` for services.
    pub name: Option<String>,
    /// None: a list or contracted price the source did not give for all of it.
    pub amount: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthReport {
    pub source: DataSource,
    #[serde(serialize_with = "as_string")]
    pub month: Month,
    pub metric: &'static str,
    pub by: GroupBy,
    /// Whether the month's bill is final (otherwise it can still change).
    #[serde(rename = "final")]
    pub is_final: bool,
    pub fetched_at: Stamp,
    pub currency: &'static str,
    /// None (null) when a row is unknown: the known rows are not the total.
    #[serde(serialize_with = "maybe_money")]
    pub total: Option<Money>,
    #[serde(serialize_with = "rows_as_json")]
    pub rows: Vec<ReportRow>,
}

/// Rows named the way scripts expect: account_id and account_name, or service.
fn rows_as_json<S: serde::Serializer>(rows: &[ReportRow], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(rows.len()))?;
    for r in rows {
        let amount = r.amount.map(|a| a.to_decimal());
        let row = match &r.name {
            None => serde_json::json!({ "service": r.key, "amount": amount }),
            Some(name) => serde_json::json!({
                "account_id": r.key,
                "account_name": name,
                "amount": amount,
            }),
        };
        seq.serialize_element(&row)?;
    }
    seq.end()
}

fn maybe_money<S: serde::Serializer>(m: &Option<Money>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => super::money(m, s),
        None => s.serialize_none(),
    }
}

fn as_string<S: serde::Serializer>(m: &Month, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&m.to_string())
}

/// The month's totals by account or service, biggest first. Fails if the month is not
/// cached: a missing month is unknown, never an empty report.
pub fn month_report(
    store: &Store,
    month: Month,
    by: GroupBy,
    metric: DetailMetric,
) -> Result<MonthReport, ReportError> {
    let summary = store.summary()?;
    let Some(info) = summary.months.iter().find(|m| m.month == month) else {
        let cached: Vec<String> = summary.months.iter().map(|m| m.month.to_string()).collect();
        return Err(ReportError::MonthNotCached {
            month,
            path: store.path().display().to_string(),
            cached: if cached.is_empty() {
                "none".to_string()
            } else {
                cached.join(", ")
            },
        });
    };
    if let Some(reason) = summary.coverage(month.range()).reason() {
        return Err(ReportError::NoDataYet { month, reason });
    }
    if metric.is_price() && !info.detail_known {
        return Err(ReportError::NoPrices {
            month,
            price: metric.name().to_string(),
            from: info.source.clone(),
        });
    }
    let mut rows = month_rows(store, month, by, metric)?;
    // Biggest first; unknown amounts last.
    rows.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.key.cmp(&b.key)));
    Ok(MonthReport {
        source: DataSource::of(store)?,
        month,
        metric: metric.name(),
        by,
        is_final: info.is_final,
        fetched_at: info.fetched_at,
        currency: "USD",
        total: match rows
            .iter()
            .map(|r| r.amount)
            .collect::<Option<Vec<Money>>>()
        {
            Some(known) => Some(Money::try_sum(known)?),
            None => None,
        },
        rows,
    })
}

/// The month's amount of each account or service billed: from the daily rows for a
/// metric, from the detail line-item sources keep for a list or contracted price.
fn amounts(
    store: &Store,
    month: Month,
    by: GroupBy,
    metric: DetailMetric,
) -> Result<HashMap<i64, Option<Money>>, ReportError> {
    if let Some(metric) = metric.daily() {
        let scope = match by {
            GroupBy::Account => Scope::Accounts,
            GroupBy::Service => Scope::Services,
        };
        let totals = store.totals(scope, month.range(), metric)?;
        return Ok(totals.into_iter().map(|(k, m)| (k, Some(m))).collect());
    }
    let dimension = match by {
        GroupBy::Account => Dimension::Account,
        GroupBy::Service => Dimension::Service,
    };
    let amounts = store
        .detail_totals((month, month), &DetailFilter::NONE, dimension, metric)?
        .unwrap_or_default();
    Ok(amounts.into_iter().map(|a| (a.key, a.amount)).collect())
}

/// The month's rows: every account (in a cached month, an account with nothing billed
/// spent nothing, at any price), or every service billed.
fn month_rows(
    store: &Store,
    month: Month,
    by: GroupBy,
    metric: DetailMetric,
) -> Result<Vec<ReportRow>, ReportError> {
    let of = amounts(store, month, by, metric)?;
    Ok(match by {
        GroupBy::Account => {
            let (org, keys) = store.organization()?;
            keys.iter()
                .zip(&org.accounts)
                .map(|(k, a)| ReportRow {
                    key: a.id.clone(),
                    name: Some(a.name.clone()),
                    amount: of.get(k).copied().unwrap_or(Some(Money::ZERO)),
                })
                .collect()
        }
        GroupBy::Service => store
            .services()?
            .into_iter()
            .filter_map(|(k, name)| {
                of.get(&k).map(|&amount| ReportRow {
                    key: name,
                    name: None,
                    amount,
                })
            })
            .collect(),
    })
}

pub fn render(report: &MonthReport, format: Format) -> Result<String, ReportError> {
    match format {
        Format::Json => serde_json::to_string_pretty(report)
            .map(|s| s + "\n")
            .map_err(|e| ReportError::Write(e.to_string())),
        Format::Csv => render_csv(report),
        Format::Table => Ok(render_table(report)),
    }
}

fn render_csv(report: &MonthReport) -> Result<String, ReportError> {
    let err = |e: csv::Error| ReportError::Write(e.to_string());
    let mut out = csv::Writer::from_writer(Vec::new());
    // Every row says what it is (source, month, metric, final or open) and carries the
    // exact amount: the rows add up to the month's total to the nano-dollar.
    let source = report.source.name();
    let month = report.month.to_string();
    let status = if report.is_final { "final" } else { "open" };
    let context = [source, month.as_str(), report.metric, status];
    let head = ["source", "month", "metric", "status"];
    match report.by {
        GroupBy::Account => {
            let columns = ["account_id", "account_name", "amount_usd"];
            out.write_record(head.iter().chain(&columns)).map_err(err)?;
            for r in &report.rows {
                let name = r.name.as_deref().unwrap_or_default();
                let amount = csv_amount(r.amount);
                let row = [r.key.as_str(), name, amount.as_str()];
                out.write_record(context.iter().chain(&row)).map_err(err)?;
            }
        }
        GroupBy::Service => {
            let columns = ["service", "amount_usd"];
            out.write_record(head.iter().chain(&columns)).map_err(err)?;
            for r in &report.rows {
                let amount = csv_amount(r.amount);
                let row = [r.key.as_str(), amount.as_str()];
                out.write_record(context.iter().chain(&row)).map_err(err)?;
            }
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ReportError::Write(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ReportError::Write(e.to_string()))
}

/// The exact amount, or empty where it is unknown (never 0).
fn csv_amount(amount: Option<Money>) -> String {
    amount.map(|a| a.to_decimal()).unwrap_or_default()
}

fn table_amount(amount: Option<Money>) -> String {
    amount.map_or_else(|| "unknown".to_string(), |a| a.format_exact())
}

fn render_table(report: &MonthReport) -> String {
    let label = |r: &ReportRow| match report.by {
        GroupBy::Account => format!("{}  {}", r.key, r.name.as_deref().unwrap_or_default()),
        GroupBy::Service => r.key.clone(),
    };
    let width = report
        .rows
        .iter()
        .map(|r| label(r).chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let status = if report.is_final {
        "final"
    } else {
        "open: can still change"
    };
    let mut out = report.source.banner().to_string();
    out.push_str(&format!(
        "{} {} cost by {} ({status}; fetched {})\n",
        report.month.label(),
        report.metric,
        match report.by {
            GroupBy::Account => "account",
            GroupBy::Service => "service",
        },
        report.fetched_at
    ));
    for r in &report.rows {
        out.push_str(&format!(
            "{:<width$}  {:>16}\n",
            label(r),
            table_amount(r.amount)
        ));
    }
    out.push_str(&format!(
        "{:<width$}  {:>16}\n",
        "Total",
        table_amount(report.total)
    ));
    out
}
