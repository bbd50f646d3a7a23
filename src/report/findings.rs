//! `costscope findings`: the cached findings as a table, JSON or CSV, with totals by
//! rule and by account, and the accounts and regions the last scan could not reach.

use super::{DataSource, Format, ReportError};
use crate::domain::alternatives::Alternatives;
use crate::domain::findings::{Rule, SavingsTotal, TrackedFinding};
use crate::domain::{Money, Organization, Stamp};
use crate::store::{ScanUnit, UnitStatus};
use serde::Serialize;
use std::collections::BTreeMap;

/// A total as JSON carries it: firm and up-to savings apart, exact, and the count of
/// findings whose saving is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsonTotal {
    pub findings: u64,
    #[serde(serialize_with = "super::money")]
    pub monthly: Money,
    #[serde(serialize_with = "super::money")]
    pub up_to_monthly: Money,
    pub unknown: u64,
    /// Findings on a resource whose larger saving another finding counts.
    pub alternatives: u64,
}

impl From<&SavingsTotal> for JsonTotal {
    fn from(t: &SavingsTotal) -> JsonTotal {
        JsonTotal {
            findings: t.findings,
            monthly: t.monthly,
            up_to_monthly: t.up_to_monthly,
            unknown: t.unknown,
            alternatives: t.alternatives,
        }
    }
}

fn json_totals<K: Ord>(
    alternatives: &Alternatives,
    findings: &[TrackedFinding],
    key: impl Fn(&TrackedFinding) -> K,
) -> Result<BTreeMap<K, JsonTotal>, ReportError> {
    Ok(alternatives
        .totals_by(findings, key)?
        .into_iter()
        .map(|(k, t)| (k, JsonTotal::from(&t)))
        .collect())
}

#[derive(Serialize)]
struct JsonReport<'a> {
    source: DataSource,
    currency: &'static str,
    findings: Vec<JsonFinding<'a>>,
    total: JsonTotal,
    totals_by_rule: BTreeMap<&'static str, JsonTotal>,
    totals_by_account: BTreeMap<String, JsonTotal>,
    not_scanned: Vec<JsonUnit<'a>>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    tracked: &'a TrackedFinding,
    account_name: Option<&'a str>,
    monthly_saving_usd: Option<String>,
    yearly_saving_usd: Option<String>,
    /// The finding on the same resource whose saving counts instead of this one's.
    alternative_to: Option<i64>,
}

#[derive(Serialize)]
struct JsonUnit<'a> {
    account: &'a str,
    account_name: Option<&'a str>,
    unit: &'a str,
    status: &'static str,
    reason: Option<&'a str>,
    at: Stamp,
}

fn problems(units: &[ScanUnit]) -> impl Iterator<Item = &ScanUnit> {
    units.iter().filter(|u| u.status != UnitStatus::Scanned)
}

pub fn render_findings(
    findings: &[TrackedFinding],
    units: &[ScanUnit],
    org: &Organization,
    format: Format,
    source: DataSource,
) -> Result<String, ReportError> {
    let alternatives = Alternatives::among(findings);
    match format {
        Format::Json => {
            let report = JsonReport {
                source,
                currency: "USD",
                findings: findings
                    .iter()
                    .map(|f| JsonFinding {
                        tracked: f,
                        account_name: org.account_name(&f.finding.account),
                        monthly_saving_usd: f.finding.saving.amount().map(Money::to_decimal),
                        yearly_saving_usd: f.finding.saving.yearly().map(Money::to_decimal),
                        alternative_to: alternatives.instead_of(f.id),
                    })
                    .collect(),
                total: JsonTotal::from(&alternatives.total(findings)?),
                totals_by_rule: json_totals(&alternatives, findings, |f| f.finding.rule.name())?,
                totals_by_account: json_totals(&alternatives, findings, |f| {
                    f.finding.account.clone()
                })?,
                not_scanned: problems(units)
                    .map(|u| JsonUnit {
                        account: &u.account,
                        account_name: org.account_name(&u.account),
                        unit: &u.unit,
                        status: u.status.name(),
                        reason: u.reason.as_deref(),
                        at: u.scanned_at,
                    })
                    .collect(),
            };
            serde_json::to_string_pretty(&report)
                .map(|s| s + "\n")
                .map_err(|e| ReportError::Write(e.to_string()))
        }
        Format::Csv => render_csv(findings, &alternatives, org, source),
        Format::Table => {
            Ok(source.banner().to_string() + &render_table(findings, &alternatives, org, units)?)
        }
    }
}

fn render_csv(
    findings: &[TrackedFinding],
    alternatives: &Alternatives,
    org: &Organization,
    source: DataSource,
) -> Result<String, ReportError> {
    let err = |e: csv::Error| ReportError::Write(e.to_string());
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "source",
        "id",
        "rule",
        "account",
        "account_name",
        "region",
        "resource",
        "label",
        "status",
        "monthly_saving_usd",
        "yearly_saving_usd",
        "saving_kind",
        "alternative_to",
        "action",
        "evidence",
        "first_seen",
        "last_seen",
    ])
    .map_err(err)?;
    for t in findings {
        let f = &t.finding;
        let kind = match (&f.saving.amount(), f.saving.is_upper_bound()) {
            (None, _) => "unknown",
            (Some(_), true) => "upper-bound",
            (Some(_), false) => "estimate",
        };
        out.write_record([
            source.name(),
            t.id.to_string().as_str(),
            f.rule.name(),
            &f.account,
            org.account_name(&f.account).unwrap_or_default(),
            &f.region,
            &f.resource,
            &f.label,
            t.status.name(),
            &f.saving.amount().map(Money::to_decimal).unwrap_or_default(),
            &f.saving.yearly().map(Money::to_decimal).unwrap_or_default(),
            kind,
            &alternatives
                .instead_of(t.id)
                .map(|id| id.to_string())
                .unwrap_or_default(),
            &f.action,
            &f.evidence.summary,
            &t.first_seen.to_string(),
            &t.last_seen.to_string(),
        ])
        .map_err(err)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ReportError::Write(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ReportError::Write(e.to_string()))
}

fn render_table(
    findings: &[TrackedFinding],
    alternatives: &Alternatives,
    org: &Organization,
    units: &[ScanUnit],
) -> Result<String, ReportError> {
    let mut out = String::new();
    if findings.is_empty() {
        out.push_str("no open findings (`costscope scan` looks for them; `--all` also lists dismissed and closed ones)\n");
    } else {
        out.push_str(&format!(
            "{:>5}  {:<18} {:<12} {:<16} {:<14} {:<24} {:>14}  {}\n",
            "id", "rule", "account", "name", "region", "resource", "$/month", "evidence"
        ));
        for t in findings {
            let f = &t.finding;
            out.push_str(&format!(
                "{:>5}  {:<18} {:<12} {:<16} {:<14} {:<24} {:>14}  {}{}\n",
                t.id,
                f.rule.name(),
                f.account,
                crate::domain::words::fit(org.account_name(&f.account).unwrap_or("?"), 16),
                f.region,
                f.resource,
                f.saving
                    .amount()
                    .map(|m| format!(
                        "{}{}",
                        if f.saving.is_upper_bound() { "≤" } else { "" },
                        m.format_exact()
                    ))
                    .unwrap_or_else(|| "unknown".into()),
                f.evidence.summary,
                match (t.status.name(), alternatives.instead_of(t.id)) {
                    ("open", None) => String::new(),
                    ("open", Some(id)) => format!(" [alternative to {id}: not added]"),
                    (other, _) => format!(" [{other}]"),
                }
            ));
        }
        out.push_str("\nby rule:\n");
        for (rule, t) in alternatives.totals_by(findings, |f| f.finding.rule)? {
            out.push_str(&total_line(Rule::title(rule), &t));
        }
        out.push_str("by account:\n");
        for (account, t) in alternatives.totals_by(findings, |f| f.finding.account.clone())? {
            let label = match org.account_name(&account) {
                Some(name) => format!("{account} {name}"),
                None => account,
            };
            out.push_str(&total_line(&label, &t));
        }
        let all = alternatives.total(findings)?;
        out.push_str(&total_line("Total", &all));
        out.push_str(&format!(
            "  {:<30} {}\n",
            "",
            all.label("year", 12, Money::format_exact)
        ));
    }
    let bad: Vec<&ScanUnit> = problems(units).collect();
    if !bad.is_empty() {
        out.push_str("\nnot scanned:\n");
        for u in bad {
            let unit = if u.unit == crate::store::ACCOUNT_UNIT {
                "(whole account)"
            } else {
                u.unit.as_str()
            };
            out.push_str(&format!(
                "  {} {:<16} {:<16} {}: {}\n",
                u.account,
                crate::domain::words::fit(org.account_name(&u.account).unwrap_or("?"), 16),
                unit,
                u.status.name(),
                u.reason.as_deref().unwrap_or_default()
            ));
        }
    }
    Ok(out)
}

fn total_line(label: &str, t: &SavingsTotal) -> String {
    format!(
        "  {:<30} {}: {}\n",
        label,
        crate::domain::words::plural(t.findings, "finding"),
        t.label("month", 1, Money::format_exact)
    )
}
