//! `costscope reconcile`'s output: per month both sources hold, each account's billed
//! and amortized cost from Cost Explorer and from the export, the variance and what
//! explains it. JSON and CSV carry exact amounts.

use super::{Format, ReportError};
use crate::domain::reconcile::{MonthReconciliation, Variance};
use crate::domain::Money;

pub fn render(months: &[MonthReconciliation], format: Format) -> Result<String, ReportError> {
    match format {
        Format::Table => Ok(render_table(months)),
        Format::Csv => render_csv(months),
        Format::Json => serde_json::to_string_pretty(&json(months))
            .map(|s| s + "\n")
            .map_err(|e| ReportError::Write(e.to_string())),
    }
}

fn amount(m: Option<Money>) -> String {
    m.map(|m| m.to_decimal()).unwrap_or_default()
}

fn json(months: &[MonthReconciliation]) -> serde_json::Value {
    let variance = |v: &Variance| {
        serde_json::json!({
            "cost_explorer_usd": v.cost_explorer.map(|m| m.to_decimal()),
            "export_usd": v.export.map(|m| m.to_decimal()),
            "variance_usd": v.variance.to_decimal(),
            "explanation": v.explanation,
        })
    };
    serde_json::Value::Array(
        months
            .iter()
            .map(|m| {
                serde_json::json!({
                    "month": m.month.to_string(),
                    "export_source": m.export_source,
                    "unblended": variance(&m.unblended),
                    "amortized": variance(&m.amortized),
                    "accounts": m.accounts.iter().map(|a| serde_json::json!({
                        "account_id": a.account_id,
                        "account_name": a.account_name,
                        "unblended": variance(&a.unblended),
                        "amortized": variance(&a.amortized),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

fn render_csv(months: &[MonthReconciliation]) -> Result<String, ReportError> {
    let err = |e: csv::Error| ReportError::Write(e.to_string());
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "month",
        "export_source",
        "account_id",
        "account_name",
        "metric",
        "cost_explorer_usd",
        "export_usd",
        "variance_usd",
        "explanation",
    ])
    .map_err(err)?;
    for m in months {
        let month = m.month.to_string();
        for a in &m.accounts {
            for (metric, v) in [("unblended", &a.unblended), ("amortized", &a.amortized)] {
                out.write_record([
                    month.as_str(),
                    &m.export_source,
                    &a.account_id,
                    &a.account_name,
                    metric,
                    &amount(v.cost_explorer),
                    &amount(v.export),
                    &v.variance.to_decimal(),
                    &v.explanation,
                ])
                .map_err(err)?;
            }
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ReportError::Write(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ReportError::Write(e.to_string()))
}

fn render_table(months: &[MonthReconciliation]) -> String {
    let shown = |m: Option<Money>| m.map_or_else(|| "—".to_string(), Money::format_exact);
    let mut out = String::new();
    for m in months {
        out.push_str(&format!(
            "{}: Cost Explorer against {}\n",
            m.month.label(),
            m.export_source
        ));
        let width = m
            .accounts
            .iter()
            .map(|a| a.account_id.len() + 2 + a.account_name.chars().count())
            .max()
            .unwrap_or(0)
            .max(7);
        out.push_str(&format!(
            "  {:<width$}  {:<9}  {:>16}  {:>16}  {:>14}  explanation\n",
            "account", "metric", "Cost Explorer", "export", "variance"
        ));
        let mut line = |label: &str, metric: &str, v: &Variance| {
            out.push_str(&format!(
                "  {label:<width$}  {metric:<9}  {:>16}  {:>16}  {:>14}  {}\n",
                shown(v.cost_explorer),
                shown(v.export),
                v.variance.format_exact(),
                v.explanation
            ));
        };
        for a in &m.accounts {
            let label = format!("{}  {}", a.account_id, a.account_name);
            line(&label, "billed", &a.unblended);
            line("", "amortized", &a.amortized);
        }
        line("Total", "billed", &m.unblended);
        line("", "amortized", &m.amortized);
        out.push('\n');
    }
    out
}
