//! Cost metrics, granularity and series helpers.

use super::{Money, Month};
use chrono::{Datelike, NaiveDate};

/// Cost Explorer metrics the cache keeps for every daily row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    Unblended,
    Amortized,
}

impl Metric {
    pub fn label(self) -> &'static str {
        match self {
            Metric::Unblended => "Unblended",
            Metric::Amortized => "Amortized",
        }
    }

    pub fn toggled(self) -> Metric {
        match self {
            Metric::Unblended => Metric::Amortized,
            Metric::Amortized => Metric::Unblended,
        }
    }

    pub fn parse(text: &str) -> Option<Metric> {
        match text.trim().to_ascii_lowercase().as_str() {
            "unblended" | "unblendedcost" => Some(Metric::Unblended),
            "amortized" | "amortizedcost" => Some(Metric::Amortized),
            _ => None,
        }
    }
}

/// What a breakdown past the service sums: a metric every source has, or a price only
/// line-item sources give: FOCUS's ListCost and ContractedCost, CUR 2.0's public
/// on-demand cost (its list cost; CUR has no contracted cost). The daily rows hold
/// neither price, so only the views past the service show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DetailMetric {
    Cost(Metric),
    List,
    Contracted,
}

impl DetailMetric {
    pub fn label(self) -> &'static str {
        match self {
            DetailMetric::Cost(metric) => metric.label(),
            DetailMetric::List => "List",
            DetailMetric::Contracted => "Contracted",
        }
    }

    /// The name reports and commands use: "unblended", "amortized", "list", "contracted".
    pub fn name(self) -> &'static str {
        match self {
            DetailMetric::Cost(Metric::Unblended) => "unblended",
            DetailMetric::Cost(Metric::Amortized) => "amortized",
            DetailMetric::List => "list",
            DetailMetric::Contracted => "contracted",
        }
    }

    /// The next in the cycle Unblended, Amortized, List, Contracted.
    pub fn next(self) -> DetailMetric {
        match self {
            DetailMetric::Cost(Metric::Unblended) => DetailMetric::Cost(Metric::Amortized),
            DetailMetric::Cost(Metric::Amortized) => DetailMetric::List,
            DetailMetric::List => DetailMetric::Contracted,
            DetailMetric::Contracted => DetailMetric::Cost(Metric::Unblended),
        }
    }

    pub fn parse(text: &str) -> Option<DetailMetric> {
        if let Some(metric) = Metric::parse(text) {
            return Some(DetailMetric::Cost(metric));
        }
        match text.trim().to_ascii_lowercase().as_str() {
            "list" | "listcost" => Some(DetailMetric::List),
            "contracted" | "contractedcost" => Some(DetailMetric::Contracted),
            _ => None,
        }
    }

    /// A list or contracted price: what only the views past the service show.
    pub fn is_price(self) -> bool {
        self.daily().is_none()
    }

    /// The metric of the daily rows, when this is one.
    pub fn daily(self) -> Option<Metric> {
        match self {
            DetailMetric::Cost(metric) => Some(metric),
            DetailMetric::List | DetailMetric::Contracted => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    Daily,
    Monthly,
}

impl Granularity {
    pub fn toggled(self) -> Granularity {
        match self {
            Granularity::Daily => Granularity::Monthly,
            Granularity::Monthly => Granularity::Daily,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Granularity::Daily => "Daily",
            Granularity::Monthly => "Monthly",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyPoint {
    pub day: NaiveDate,
    pub amount: Money,
}

/// Sums daily points into one point per month (dated the first of the month).
pub fn monthly_totals(points: &[DailyPoint]) -> Vec<DailyPoint> {
    let mut out: Vec<DailyPoint> = Vec::new();
    for p in points {
        let first = Month::of(p.day).first_day();
        match out.last_mut() {
            Some(last) if last.day == first => last.amount += p.amount,
            _ => out.push(DailyPoint {
                day: first,
                amount: p.amount,
            }),
        }
    }
    out
}

/// Relative change from `previous` to `current`; `None` when there is nothing to compare
/// with (no previous spend).
pub fn change_ratio(current: Money, previous: Money) -> Option<f64> {
    if previous == Money::ZERO {
        return None;
    }
    let delta = (current - previous).as_f64_for_display();
    Some(delta / previous.as_f64_for_display().abs())
}

/// End-of-month forecast: spend so far plus the daily run rate, times the days left in
/// the month. The run rate is the mean of the last (up to) seven days with data, leaving
/// out the 1st of a month: Savings Plans and RI fees, support and tax are billed on the
/// 1st, once a month, so they are in the spend so far and never extrapolated. Seven days
/// cancel the weekly cycle.
pub fn forecast_month_end(
    month_to_date: Money,
    recent_days: &[DailyPoint],
    days_left: i64,
) -> Option<Money> {
    let window: Vec<&DailyPoint> = recent_days
        .iter()
        .rev()
        .filter(|p| p.day.day() != 1)
        .take(7)
        .collect();
    if window.is_empty() {
        return None;
    }
    let recent: Money = window.iter().map(|p| p.amount).sum();
    Some(month_to_date + recent.scale(days_left.max(0), window.len() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(y: i32, m: u32, d: u32, dollars: i64) -> DailyPoint {
        DailyPoint {
            day: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            amount: Money::from_dollars(dollars),
        }
    }

    #[test]
    fn monthly_totals_group_consecutive_days() {
        let pts = [p(2026, 1, 30, 1), p(2026, 1, 31, 2), p(2026, 2, 1, 5)];
        let m = monthly_totals(&pts);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].amount, Money::from_dollars(3));
        assert_eq!(m[1].day, NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
    }

    #[test]
    fn forecast_extends_the_last_week() {
        let days: Vec<DailyPoint> = (1..=10).map(|d| p(2026, 11, d, d as i64)).collect();
        // Last seven days are 4..=10: mean 7. Twenty days left.
        let f = forecast_month_end(Money::from_dollars(55), &days, 20).unwrap();
        assert_eq!(f, Money::from_dollars(55 + 7 * 20));
        assert_eq!(forecast_month_end(Money::ZERO, &[], 5), None);
    }

    #[test]
    fn the_fees_billed_on_the_first_are_counted_once_not_extrapolated() {
        // Ten dollars a day, and $1,000 of monthly fees on Nov 1; data through Nov 3.
        let mut days: Vec<DailyPoint> = (27..=31).map(|d| p(2026, 10, d, 10)).collect();
        days.push(p(2026, 11, 1, 1_010));
        days.extend((2..=3).map(|d| p(2026, 11, d, 10)));
        let month_to_date = Money::from_dollars(1_030);
        let f = forecast_month_end(month_to_date, &days, 27).unwrap();
        assert_eq!(f, Money::from_dollars(1_030 + 10 * 27));
        // Amortized, the fees are spread over the month: the same run rate, so the two
        // forecasts differ by what was billed, not by a made-up trend.
        let spread: Vec<DailyPoint> = days
            .iter()
            .map(|d| DailyPoint {
                amount: Money::from_dollars(43),
                ..*d
            })
            .collect();
        let amortized = forecast_month_end(Money::from_dollars(129), &spread, 27).unwrap();
        assert_eq!(amortized, Money::from_dollars(43 * 30));
    }

    #[test]
    fn the_detail_metrics_cycle_through_the_prices_and_parse_by_name() {
        let mut seen = vec![DetailMetric::Cost(Metric::Unblended)];
        for _ in 0..4 {
            seen.push(seen.last().unwrap().next());
        }
        let labels: Vec<&str> = seen.iter().map(|m| m.label()).collect();
        assert_eq!(
            labels,
            ["Unblended", "Amortized", "List", "Contracted", "Unblended"]
        );
        assert_eq!(DetailMetric::parse("ListCost"), Some(DetailMetric::List));
        assert_eq!(
            DetailMetric::parse("amortized"),
            Some(DetailMetric::Cost(Metric::Amortized))
        );
        assert_eq!(DetailMetric::parse("blended"), None);
        assert_eq!(DetailMetric::Contracted.daily(), None);
    }

    #[test]
    fn change_ratio_is_unknown_without_a_base() {
        assert_eq!(change_ratio(Money::from_dollars(5), Money::ZERO), None);
        let r = change_ratio(Money::from_dollars(150), Money::from_dollars(100)).unwrap();
        assert!((r - 0.5).abs() < 1e-9);
    }
}
