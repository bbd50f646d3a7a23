//! Parsers of flag values, each with the message the user sees for a bad one.

use crate::domain::findings::Rule;
use crate::domain::{DetailMetric, Money, Month};

pub(super) fn scope_id(text: &str) -> Result<String, String> {
    let org = text.starts_with("o-") && crate::domain::scope::is_scope_key(&format!("org-{text}"));
    let account = text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit());
    if org || account {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is neither an organization id (o-...) nor a 12-digit account id"
        ))
    }
}

pub(super) fn rule(text: &str) -> Result<Rule, String> {
    Rule::parse(text).ok_or_else(|| {
        format!(
            "{text:?} is not a rule; use one of: {}",
            Rule::ALL.map(Rule::name).join(", ")
        )
    })
}

pub(super) fn export_choice(text: &str) -> Result<crate::domain::export::ExportChoice, String> {
    crate::domain::export::ExportChoice::parse(text).map_err(|e| e.to_string())
}

pub(super) fn month(text: &str) -> Result<Month, String> {
    Month::parse(text).ok_or_else(|| format!("{text:?} is not a month; use YYYY-MM, e.g. 2026-10"))
}

pub(super) fn dollars(text: &str) -> Result<Money, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not an amount in dollars, e.g. 0.50"))
}

pub(super) fn detail_metric(text: &str) -> Result<DetailMetric, String> {
    DetailMetric::parse(text).ok_or_else(|| {
        format!("{text:?} is not a metric; use unblended, amortized, list or contracted")
    })
}
