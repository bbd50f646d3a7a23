//! Cost Explorer against an export, month by month and account by account: the
//! variance of each metric and what explains it. Cost Explorer and the Cost and Usage
//! Report are built from the same bill, so billed (unblended) cost should agree to the
//! cent; where it does not, a kind of charge one side holds usually accounts for it
//! (credits, refunds, tax, fees). Amortized cost differs where Savings Plans or
//! reservations are amortized: the export's effective cost is derived line by line
//! (see `cur`), Cost Explorer's is its own.

use super::{Money, Month};
use std::collections::BTreeMap;

/// One source's month of one kind of charge in one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCharge {
    pub month: Month,
    pub source: String,
    pub account_id: String,
    pub account_name: String,
    /// "fees" and "other" from Cost Explorer; CUR line item types or FOCUS charge
    /// categories from an export.
    pub charge: String,
    pub unblended: Money,
    pub amortized: Money,
}

/// The source every other is set against.
pub const COST_EXPLORER: &str = "cost-explorer";

/// Less than a cent apart: the two sides round differently, nothing is missing.
const ROUNDING: i64 = 10_000_000;

/// The kinds of charge that amortization moves between usage and fees.
const COMMITMENT_CHARGES: &[&str] = &[
    "SavingsPlanCoveredUsage",
    "SavingsPlanRecurringFee",
    "SavingsPlanNegation",
    "SavingsPlanUpfrontFee",
    "DiscountedUsage",
    "RIFee",
];

/// One metric of one account: both sides, the variance, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variance {
    pub cost_explorer: Option<Money>,
    pub export: Option<Money>,
    /// export − Cost Explorer (zero where a side is missing).
    pub variance: Money,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountReconciliation {
    pub account_id: String,
    pub account_name: String,
    pub unblended: Variance,
    pub amortized: Variance,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthReconciliation {
    pub month: Month,
    /// The export's source name ("data-export", "focus-file").
    pub export_source: String,
    pub accounts: Vec<AccountReconciliation>,
    pub unblended: Variance,
    pub amortized: Variance,
}

#[derive(Clone, Copy)]
enum Metric {
    Unblended,
    Amortized,
}

impl Metric {
    fn of(self, c: &SourceCharge) -> Money {
        match self {
            Metric::Unblended => c.unblended,
            Metric::Amortized => c.amortized,
        }
    }
}

/// The months both Cost Explorer and another source hold, reconciled; months with one
/// source only are left out.
pub fn reconcile(charges: &[SourceCharge]) -> Vec<MonthReconciliation> {
    let mut by_month: BTreeMap<Month, Vec<&SourceCharge>> = BTreeMap::new();
    for c in charges {
        by_month.entry(c.month).or_default().push(c);
    }
    by_month
        .into_iter()
        .filter_map(|(month, charges)| reconcile_month(month, &charges))
        .collect()
}

fn reconcile_month(month: Month, charges: &[&SourceCharge]) -> Option<MonthReconciliation> {
    let export_source = charges
        .iter()
        .map(|c| c.source.as_str())
        .find(|s| *s != COST_EXPLORER)?
        .to_string();
    if !charges.iter().any(|c| c.source == COST_EXPLORER) {
        return None;
    }
    let mut accounts: BTreeMap<&str, (&str, Vec<&SourceCharge>, Vec<&SourceCharge>)> =
        BTreeMap::new();
    for c in charges {
        let entry =
            accounts
                .entry(&c.account_id)
                .or_insert((&c.account_name, Vec::new(), Vec::new()));
        if c.source == COST_EXPLORER {
            entry.1.push(c);
        } else if c.source == export_source {
            entry.2.push(c);
        }
    }
    let rows: Vec<AccountReconciliation> = accounts
        .into_iter()
        .map(|(id, (name, ce, export))| AccountReconciliation {
            account_id: id.to_string(),
            account_name: name.to_string(),
            unblended: explain(Metric::Unblended, &ce, &export),
            amortized: explain(Metric::Amortized, &ce, &export),
        })
        .collect();
    let all_ce: Vec<&SourceCharge> = charges
        .iter()
        .copied()
        .filter(|c| c.source == COST_EXPLORER)
        .collect();
    let all_export: Vec<&SourceCharge> = charges
        .iter()
        .copied()
        .filter(|c| c.source == export_source)
        .collect();
    let total = |metric: Metric, of: fn(&AccountReconciliation) -> &Variance| {
        let mut v = explain(metric, &all_ce, &all_export);
        let differing: Vec<&Variance> = rows
            .iter()
            .map(of)
            .filter(|v| {
                v.variance != Money::ZERO
                    || !matches!((v.cost_explorer, v.export), (Some(_), Some(_)))
            })
            .collect();
        if v.variance != Money::ZERO || !differing.is_empty() {
            let unexplained = differing
                .iter()
                .filter(|v| v.explanation.starts_with("unexplained"))
                .count();
            v.explanation = match unexplained {
                0 => format!(
                    "the {} above, each explained",
                    super::words::plural(differing.len(), "account")
                ),
                n => format!(
                    "the {} above; {n} unexplained",
                    super::words::plural(differing.len(), "account")
                ),
            };
        }
        v
    };
    Some(MonthReconciliation {
        month,
        unblended: total(Metric::Unblended, |a| &a.unblended),
        amortized: total(Metric::Amortized, |a| &a.amortized),
        export_source,
        accounts: rows,
    })
}

fn sum(metric: Metric, charges: &[&SourceCharge]) -> Option<Money> {
    (!charges.is_empty()).then(|| charges.iter().map(|c| metric.of(c)).sum())
}

/// Both sides of one metric and the likeliest reason they differ.
fn explain(metric: Metric, ce: &[&SourceCharge], export: &[&SourceCharge]) -> Variance {
    let (a, b) = (sum(metric, ce), sum(metric, export));
    let (Some(a), Some(b)) = (a, b) else {
        return Variance {
            cost_explorer: a,
            export: b,
            variance: Money::ZERO,
            explanation: if a.is_some() {
                "only in Cost Explorer".into()
            } else {
                "only in the export".into()
            },
        };
    };
    let variance = b - a;
    let within = |x: Money, y: Money| (x - y).abs().nanos() < ROUNDING;
    let explanation = if variance == Money::ZERO {
        "agrees".to_string()
    } else if variance.abs().nanos() < ROUNDING {
        "rounding (under a cent)".to_string()
    } else if let Some(kind) = kinds(export)
        .into_iter()
        .filter(|(kind, _)| !kind.eq_ignore_ascii_case("Usage"))
        .find(|(_, amounts)| within(metric.of_pair(*amounts), variance))
    {
        format!(
            "the export's {} ({}) is not in Cost Explorer's figure",
            kind.0,
            metric.of_pair(kind.1).format_exact()
        )
    } else if let Some(fees) = ce
        .iter()
        .filter(|c| c.charge == "fees")
        .map(|c| metric.of(c))
        .reduce(|x, y| x + y)
        .filter(|fees| within(*fees, Money::ZERO - variance))
    {
        format!(
            "Cost Explorer's once-a-month fees ({}) are not in the export",
            fees.format_exact()
        )
    } else if matches!(metric, Metric::Amortized)
        && export.iter().any(|c| {
            COMMITMENT_CHARGES
                .iter()
                .any(|k| c.charge.eq_ignore_ascii_case(k))
        })
    {
        let held: Vec<String> = kinds(export)
            .into_iter()
            .filter(|(kind, _)| {
                COMMITMENT_CHARGES
                    .iter()
                    .any(|k| kind.eq_ignore_ascii_case(k))
            })
            .map(|(kind, (billed, amortized))| {
                format!(
                    "{kind} {} billed, {} amortized",
                    billed.format_exact(),
                    amortized.format_exact()
                )
            })
            .collect();
        format!(
            "Savings Plans / reservation amortization: the export amortizes line by line ({})",
            held.join("; ")
        )
    } else {
        format!("unexplained: {}", variance.format_exact())
    };
    Variance {
        cost_explorer: Some(a),
        export: Some(b),
        variance,
        explanation,
    }
}

impl Metric {
    fn of_pair(self, (billed, amortized): (Money, Money)) -> Money {
        match self {
            Metric::Unblended => billed,
            Metric::Amortized => amortized,
        }
    }
}

/// The export's kinds of charge with their (billed, amortized) sums, largest first.
fn kinds<'a>(export: &[&'a SourceCharge]) -> Vec<(&'a str, (Money, Money))> {
    let mut sums: BTreeMap<&str, (Money, Money)> = BTreeMap::new();
    for c in export {
        let s = sums.entry(&c.charge).or_default();
        s.0 += c.unblended;
        s.1 += c.amortized;
    }
    let mut out: Vec<(&str, (Money, Money))> = sums.into_iter().collect();
    out.sort_by_key(|(_, (billed, _))| std::cmp::Reverse(billed.abs()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(
        source: &str,
        account: &str,
        charge: &str,
        billed: &str,
        amortized: &str,
    ) -> SourceCharge {
        SourceCharge {
            month: Month::parse("2026-10").unwrap(),
            source: source.into(),
            account_id: account.into(),
            account_name: format!("acct-{account}"),
            charge: charge.into(),
            unblended: billed.parse().unwrap(),
            amortized: amortized.parse().unwrap(),
        }
    }

    #[test]
    fn each_variance_is_named_by_the_charge_that_makes_it() {
        let rows = [
            // 1: agrees to the cent on billed; amortized differs by Savings Plans.
            charge(COST_EXPLORER, "1", "other", "100.00", "80.00"),
            charge("data-export", "1", "Usage", "28.00", "28.00"),
            charge(
                "data-export",
                "1",
                "SavingsPlanCoveredUsage",
                "48.00",
                "30.00",
            ),
            charge("data-export", "1", "SavingsPlanNegation", "-48.00", "0"),
            charge(
                "data-export",
                "1",
                "SavingsPlanRecurringFee",
                "72.00",
                "18.50",
            ),
            // 2: a credit only the export holds.
            charge(COST_EXPLORER, "2", "other", "50.00", "50.00"),
            charge("data-export", "2", "Usage", "50.004", "50.004"),
            charge("data-export", "2", "Credit", "-5.00", "-5.00"),
            // 3: only Cost Explorer knows it.
            charge(COST_EXPLORER, "3", "other", "1.00", "1.00"),
            // 4: fees Cost Explorer has and the export does not.
            charge(COST_EXPLORER, "4", "other", "10.00", "10.00"),
            charge(COST_EXPLORER, "4", "fees", "3.00", "3.00"),
            charge("data-export", "4", "Usage", "10.00", "10.00"),
        ];
        let months = reconcile(&rows);
        assert_eq!(months.len(), 1);
        let m = &months[0];
        assert_eq!(m.export_source, "data-export");
        let by = |id: &str| m.accounts.iter().find(|a| a.account_id == id).unwrap();
        assert_eq!(by("1").unblended.explanation, "agrees");
        assert_eq!(by("1").amortized.variance, "-3.50".parse().unwrap());
        assert!(
            by("1")
                .amortized
                .explanation
                .starts_with("Savings Plans / reservation amortization"),
            "{}",
            by("1").amortized.explanation
        );
        assert!(by("1")
            .amortized
            .explanation
            .contains("SavingsPlanRecurringFee $72.00 billed, $18.50 amortized"));
        assert_eq!(
            by("2").unblended.explanation,
            format!(
                "the export's Credit ({}) is not in Cost Explorer's figure",
                "-5.00".parse::<Money>().unwrap().format_exact()
            ),
            "within a cent of the variance, -4.996"
        );
        assert_eq!(by("3").unblended.explanation, "only in Cost Explorer");
        assert_eq!(by("3").unblended.export, None);
        assert_eq!(
            by("4").unblended.explanation,
            format!(
                "Cost Explorer's once-a-month fees ({}) are not in the export",
                "3.00".parse::<Money>().unwrap().format_exact()
            )
        );
        assert_eq!(m.unblended.cost_explorer, Some("164.00".parse().unwrap()));
        let only_ce = reconcile(&rows[8..9]);
        assert!(
            only_ce.is_empty(),
            "a month one source holds is not reconciled"
        );
    }
}
