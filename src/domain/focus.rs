//! FOCUS (the FinOps Open Cost and Usage Specification, 1.0 to 1.2): which columns a
//! file's header names, and one line item read from them. Pure: a reader hands in the
//! header and each record's fields, whatever the file format.

use super::detail::{DetailLine, DetailTotals, LineDetail, Names};
use super::exact::ExactSum;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Where the columns costscope reads sit in a file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FocusColumns {
    billed: usize,
    effective: usize,
    period_start: usize,
    /// FOCUS 1.2's ServiceProviderName, or 1.0's ProviderName.
    provider: Option<usize>,
    account: usize,
    account_name: Option<usize>,
    service: usize,
    category: Option<usize>,
    frequency: Option<usize>,
    currency: Option<usize>,
    region: Option<usize>,
    /// AWS's x_UsageType, else FOCUS's SkuMeter (line by line: either may be null).
    usage_type: Option<usize>,
    sku_meter: Option<usize>,
    operation: Option<usize>,
    pricing: Option<usize>,
    resource: Option<usize>,
    tags: Option<usize>,
    list: Option<usize>,
    contracted: Option<usize>,
}

/// The columns a file must have, named as FOCUS names them.
pub const REQUIRED: &[&str] = &[
    "BilledCost",
    "EffectiveCost",
    "ChargePeriodStart",
    "SubAccountId",
    "ServiceName",
];

/// Every column costscope reads (a columnar reader decodes these and no others).
pub const COLUMNS_READ: &[&str] = &[
    "BilledCost",
    "EffectiveCost",
    "ChargePeriodStart",
    "ServiceProviderName",
    "ProviderName",
    "SubAccountId",
    "SubAccountName",
    "ServiceName",
    "ChargeCategory",
    "ChargeFrequency",
    "BillingCurrency",
    "RegionId",
    "Region",
    "x_UsageType",
    "SkuMeter",
    "x_Operation",
    "PricingCategory",
    "ResourceId",
    "Tags",
    "ListCost",
    "ContractedCost",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a {table} file: no {} column", missing.join(", no "))]
pub struct MissingColumns {
    /// "FOCUS" or "CUR 2.0": the table the header looked most like.
    pub table: &'static str,
    pub missing: Vec<&'static str>,
}

impl FocusColumns {
    pub fn from_header<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<FocusColumns, MissingColumns> {
        let names: Vec<&str> = names
            .into_iter()
            .map(|n| n.trim_start_matches('\u{feff}').trim())
            .collect();
        let find = |name: &str| names.iter().position(|n| n.eq_ignore_ascii_case(name));
        let missing: Vec<&'static str> = REQUIRED
            .iter()
            .copied()
            .filter(|name| find(name).is_none())
            .collect();
        let required = |name: &str| find(name).ok_or(());
        let (Ok(billed), Ok(effective), Ok(period_start), Ok(account), Ok(service)) = (
            required("BilledCost"),
            required("EffectiveCost"),
            required("ChargePeriodStart"),
            required("SubAccountId"),
            required("ServiceName"),
        ) else {
            return Err(MissingColumns {
                table: "FOCUS",
                missing,
            });
        };
        Ok(FocusColumns {
            billed,
            effective,
            period_start,
            provider: find("ServiceProviderName").or_else(|| find("ProviderName")),
            account,
            account_name: find("SubAccountName"),
            service,
            category: find("ChargeCategory"),
            frequency: find("ChargeFrequency"),
            currency: find("BillingCurrency"),
            region: find("RegionId").or_else(|| find("Region")),
            usage_type: find("x_UsageType"),
            sku_meter: find("SkuMeter"),
            operation: find("x_Operation"),
            pricing: find("PricingCategory"),
            resource: find("ResourceId"),
            tags: find("Tags"),
            list: find("ListCost"),
            contracted: find("ContractedCost"),
        })
    }
}

/// One line item, as costscope keeps it: summed by provider, account, service and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FocusLine<'a> {
    pub provider: &'a str,
    pub account: &'a str,
    pub account_name: Option<&'a str>,
    pub service: &'a str,
    /// The UTC day its charge period starts (hourly periods land on their day).
    pub day: NaiveDate,
    pub billed: ExactSum,
    /// Amortized: commitments spread over the usage they cover.
    pub effective: ExactSum,
    /// Billed once a month or once (purchases, recurring fees, tax): what comparisons
    /// spread over their month.
    pub once_a_month: bool,
    /// What kind of charge: FOCUS's ChargeCategory (Usage, Purchase, Tax, Credit,
    /// Adjustment) or CUR's line item type (Usage, SavingsPlanCoveredUsage, RIFee, ...).
    pub charge: &'a str,
    /// The line at list prices (FOCUS ListCost, CUR's public on-demand cost) and after
    /// negotiated discounts (FOCUS ContractedCost): None where the file does not say.
    pub list: Option<ExactSum>,
    pub contracted: Option<ExactSum>,
    pub detail: LineDetail<'a>,
}

/// An amount a line may leave out: None when it does.
pub(crate) fn price(text: Option<&str>, name: &str) -> Result<Option<ExactSum>, String> {
    text.map(|t| ExactSum::parse(t).map_err(|e| format!("{name}: {e}")))
        .transpose()
}

/// A field's value without the spaces around it, or None if it is missing: files write
/// a missing value as nothing, `NULL` or `null`.
pub fn present(field: &str) -> Option<&str> {
    // Most fields have nothing to trim: two byte tests instead of a scan from both ends
    // (a byte past ASCII may start Unicode whitespace, so it takes the full trim).
    let bytes = field.as_bytes();
    let bare = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii() && !b.is_ascii_whitespace());
    let value = if bare(bytes.first()) && bare(bytes.last()) {
        field
    } else {
        field.trim()
    };
    let null = value.is_empty() || (value.len() == 4 && value.eq_ignore_ascii_case("null"));
    (!null).then_some(value)
}

/// Reads one record; `field(i)` is its i-th field ("" past its end). The error says
/// what is wrong, for the file and line the reader adds.
pub fn read_line<'a>(
    columns: &FocusColumns,
    field: impl Fn(usize) -> &'a str,
) -> Result<FocusLine<'a>, String> {
    let value = |i: usize| present(field(i));
    let required = |i: usize, name: &str| value(i).ok_or_else(|| format!("no {name}"));
    let amount = |i: usize, name: &str| -> Result<ExactSum, String> {
        match value(i) {
            None => Ok(ExactSum::ZERO),
            Some(text) => ExactSum::parse(text).map_err(|e| format!("{name}: {e}")),
        }
    };
    if let Some(currency) = columns.currency.and_then(value) {
        if !currency.eq_ignore_ascii_case("USD") {
            return Err(format!(
                "billed in {currency}; costscope keeps US dollars (convert the file first)"
            ));
        }
    }
    let start = required(columns.period_start, "ChargePeriodStart")?;
    let day = utc_day(start).ok_or_else(|| format!("ChargePeriodStart: not a time: {start:?}"))?;
    let category = columns.category.and_then(value).unwrap_or("Usage");
    let frequency = columns.frequency.and_then(value).unwrap_or("Usage-Based");
    let text = |i: Option<usize>| i.and_then(value).unwrap_or("");
    Ok(FocusLine {
        provider: columns.provider.and_then(value).unwrap_or("AWS"),
        account: required(columns.account, "SubAccountId")?,
        account_name: columns.account_name.and_then(value),
        service: required(columns.service, "ServiceName")?,
        day,
        billed: amount(columns.billed, "BilledCost")?,
        effective: amount(columns.effective, "EffectiveCost")?,
        once_a_month: category.eq_ignore_ascii_case("Tax")
            || category.eq_ignore_ascii_case("Purchase")
            || !frequency.eq_ignore_ascii_case("Usage-Based"),
        charge: category,
        list: price(columns.list.and_then(value), "ListCost")?,
        contracted: price(columns.contracted.and_then(value), "ContractedCost")?,
        detail: LineDetail {
            region: text(columns.region),
            usage_type: columns
                .usage_type
                .and_then(value)
                .unwrap_or_else(|| text(columns.sku_meter)),
            operation: text(columns.operation),
            pricing: text(columns.pricing),
            resource: text(columns.resource),
            tags: text(columns.tags),
        },
    })
}

/// "2026-10-01T13:00:00Z", "2026-10-01T13:00:00.000+02:00", "2026-10-01 13:00:00",
/// "2026-10-01": the UTC day.
pub(crate) fn utc_day(text: &str) -> Option<NaiveDate> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc).date_naive());
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.date());
        }
    }
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f %z") {
        return Some(t.with_timezone(&Utc).date_naive());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The columns read but 1.2's ServiceProviderName, then one that is not.
    fn header() -> impl Iterator<Item = &'static str> {
        COLUMNS_READ
            .iter()
            .copied()
            .filter(|c| *c != "ServiceProviderName")
            .chain(["Tags"])
    }

    #[test]
    fn present_trims_and_knows_the_ways_files_write_null() {
        let cases = [
            ("eu-west-1", Some("eu-west-1")),
            (" 12.5\t", Some("12.5")),
            ("\u{a0}x\u{a0}", Some("x")),
            ("é", Some("é")),
            ("", None),
            ("   ", None),
            ("NULL", None),
            (" null ", None),
            ("Null", None),
            ("nullable", Some("nullable")),
        ];
        for (field, expected) in cases {
            assert_eq!(present(field), expected, "{field:?}");
        }
    }

    fn line<'a>(fields: &'a [&'a str]) -> Result<FocusLine<'a>, String> {
        let columns = FocusColumns::from_header(header()).unwrap();
        read_line(&columns, |i| fields.get(i).copied().unwrap_or(""))
    }

    #[test]
    fn a_line_item_reads_with_its_nulls_hourly_period_and_long_decimals() {
        let fields = [
            "0.00000123456789",
            "NULL",
            "2026-10-01T23:00:00+05:00",
            "Microsoft",
            "sub-1",
            "",
            "Virtual Machines",
            "Usage",
            "Usage-Based",
            "USD",
            "eastus",
            "",
            "NULL",
            "Standard_D2s_v3 Hours",
            "",
            "Standard",
            "/subscriptions/s/vm-1",
            "{\"team\": \"a, b\"}",
            "0.000002000000001",
            "NULL",
        ];
        let l = line(&fields).unwrap();
        assert_eq!(l.list, ExactSum::parse("0.000002000000001").ok());
        assert_eq!(l.contracted, None, "NULL: the file does not say");
        assert_eq!(
            (l.detail.region, l.detail.usage_type, l.detail.resource),
            ("eastus", "Standard_D2s_v3 Hours", "/subscriptions/s/vm-1"),
            "SkuMeter when there is no x_UsageType"
        );
        assert_eq!(l.detail.tags, "{\"team\": \"a, b\"}");
        assert_eq!(l.provider, "Microsoft");
        assert_eq!(l.account_name, None, "empty is null");
        assert_eq!(
            l.day,
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            "18:00 UTC"
        );
        assert_eq!(l.billed, ExactSum::parse("0.00000123456789").unwrap());
        assert_eq!(l.effective, ExactSum::ZERO, "NULL is no amount");
        assert!(!l.once_a_month);
        let mut tax = fields;
        tax[7] = "Tax";
        assert!(line(&tax).unwrap().once_a_month);
        let mut recurring = fields;
        recurring[8] = "Recurring";
        assert!(line(&recurring).unwrap().once_a_month);
    }

    #[test]
    fn a_line_that_cannot_be_read_says_why() {
        let ok = ["1", "1", "2026-10-01", "AWS", "1", "", "S3", "", "", "USD"];
        let with = |i: usize, v: &'static str| {
            let mut f = ok;
            f[i] = v;
            line(&f).map(|_| ()).unwrap_err()
        };
        assert_eq!(
            with(2, "yesterday"),
            "ChargePeriodStart: not a time: \"yesterday\""
        );
        assert_eq!(with(4, "null"), "no SubAccountId");
        assert!(with(0, "1,5").starts_with("BilledCost: not an amount"));
        assert!(with(9, "EUR").starts_with("billed in EUR"));
        let missing = FocusColumns::from_header(["BilledCost", "ServiceName"]).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "not a FOCUS file: no EffectiveCost, no ChargePeriodStart, no SubAccountId column"
        );
    }
}

/// A day of one service in one account of one provider, summed exactly and rounded once.
/// Its names are the totals' own (a period holds a day for every account and service:
/// 744k at 500 accounts, where owned names were most of a sync's memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FocusDay<'a> {
    pub provider: &'a str,
    pub account: &'a str,
    pub service: &'a str,
    pub day: NaiveDate,
    pub billed: super::Money,
    pub effective: super::Money,
}

type DayKey = (u32, u32, u32, NaiveDate);

/// A `LineTotals`' days in order, each made a `FocusDay` only as it is read: a
/// period's days held as `FocusDay`s were the largest vector of a sync (54 MB at 500
/// accounts, against 12 MB for these references).
pub struct DaysInOrder<'a> {
    names: &'a Names,
    order: Vec<(&'a DayKey, &'a [ExactSum; 2])>,
}

impl<'a> DaysInOrder<'a> {
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = FocusDay<'a>> + '_ {
        self.order
            .iter()
            .map(|&(&(p, a, s, day), [billed, effective])| FocusDay {
                provider: self.names.get(p),
                account: self.names.get(a),
                service: self.names.get(s),
                day,
                billed: billed.to_money(),
                effective: effective.to_money(),
            })
    }
}

/// (account, charge, month), names interned.
type ChargeKey = (u32, u32, super::Month);

/// A month of one kind of charge in one account, summed exactly and rounded once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeTotal {
    pub account: String,
    pub charge: String,
    pub month: super::Month,
    pub billed: super::Money,
    pub effective: super::Money,
}

/// Line items summed by provider, account, service and day as a file is read, with
/// the once-a-month charges also summed apart. Names are kept once each.
#[derive(Debug, Default)]
pub struct LineTotals {
    names: Names,
    /// The last line's provider, account, service and charge, tried first.
    last: [u32; 4],
    days: rustc_hash::FxHashMap<DayKey, [ExactSum; 2]>,
    fees: rustc_hash::FxHashMap<DayKey, [ExactSum; 2]>,
    charges: rustc_hash::FxHashMap<ChargeKey, [ExactSum; 2]>,
    account_names: rustc_hash::FxHashMap<u32, String>,
    account_providers: rustc_hash::FxHashMap<u32, u32>,
    detail: DetailTotals,
    pub lines: u64,
}

impl LineTotals {
    /// Sums that also keep each resource's days from `from` on (see `detail::RESOURCE_DAYS`).
    pub fn keeping_resource_days_from(from: Option<NaiveDate>) -> LineTotals {
        LineTotals {
            detail: DetailTotals::keeping_resource_days_from(from),
            ..LineTotals::default()
        }
    }

    pub fn add(&mut self, line: &FocusLine) {
        let [provider, account, service, charge] = &mut self.last;
        let before = (*provider, *account);
        let key = (
            self.names.intern_after(provider, line.provider),
            self.names.intern_after(account, line.account),
            self.names.intern_after(service, line.service),
            line.day,
        );
        let charge = self.names.intern_after(charge, line.charge);
        let add = |sums: &mut [ExactSum; 2]| {
            sums[0] += line.billed;
            sums[1] += line.effective;
        };
        add(self.days.entry(key).or_default());
        let charge = (key.1, charge, super::Month::of(line.day));
        add(self.charges.entry(charge).or_default());
        self.detail.add(
            &mut self.names,
            DetailLine {
                account: key.1,
                service: key.2,
                month: charge.2,
                day: line.day,
                charge: charge.1,
                detail: &line.detail,
                billed: line.billed,
                effective: line.effective,
                list: line.list,
                contracted: line.contracted,
            },
        );
        if line.once_a_month {
            add(self.fees.entry(key).or_default());
        }
        // Lines come grouped by account: its provider is written when the account changes.
        if self.lines == 0 || before != (key.0, key.1) {
            self.account_providers.insert(key.1, key.0);
        }
        if let Some(name) = line.account_name {
            self.account_names
                .entry(key.1)
                .or_insert_with(|| name.to_string());
        }
        self.lines += 1;
    }

    /// Adds the totals of another file (a billing period delivered in several).
    pub fn absorb(&mut self, other: LineTotals) {
        // Nothing summed yet (every line added counts): take the other's sums whole.
        if self.lines == 0 {
            *self = other;
            return;
        }
        let names = self.names.merge(&other.names);
        let key =
            |(p, a, s, day): DayKey| (names[p as usize], names[a as usize], names[s as usize], day);
        for (sums, theirs) in [(&mut self.days, other.days), (&mut self.fees, other.fees)] {
            for (k, [billed, effective]) in theirs {
                let mine = sums.entry(key(k)).or_default();
                mine[0] += billed;
                mine[1] += effective;
            }
        }
        for ((a, c, month), [billed, effective]) in other.charges {
            let mine = self
                .charges
                .entry((names[a as usize], names[c as usize], month))
                .or_default();
            mine[0] += billed;
            mine[1] += effective;
        }
        for (a, p) in other.account_providers {
            self.account_providers
                .insert(names[a as usize], names[p as usize]);
        }
        for (a, name) in other.account_names {
            self.account_names.entry(names[a as usize]).or_insert(name);
        }
        self.detail.absorb(other.detail, &names);
        self.lines += other.lines;
    }

    /// The sums by month past the service (region, usage type, resource, tags).
    pub fn detail(&self) -> (&DetailTotals, &Names) {
        (&self.detail, &self.names)
    }

    fn in_order<'a>(
        &'a self,
        sums: &'a rustc_hash::FxHashMap<DayKey, [ExactSum; 2]>,
    ) -> DaysInOrder<'a> {
        let ranks = self.names.ranks();
        let rank = |i: u32| ranks[i as usize];
        let mut order: Vec<(&DayKey, &[ExactSum; 2])> = sums.iter().collect();
        order.sort_unstable_by_key(|(k, _)| (rank(k.2), rank(k.1), k.3, rank(k.0)));
        DaysInOrder {
            names: &self.names,
            order,
        }
    }

    /// Every (provider, account, service, day) with its sums, in (service, account,
    /// day, provider) order.
    pub fn days(&self) -> DaysInOrder<'_> {
        self.in_order(&self.days)
    }

    /// The part of `days` billed once a month or once.
    pub fn fees(&self) -> Vec<FocusDay<'_>> {
        self.in_order(&self.fees).iter().collect()
    }

    /// The months the lines fall in, oldest first.
    pub fn months(&self) -> std::collections::BTreeSet<super::Month> {
        self.charges.keys().map(|&(_, _, month)| month).collect()
    }

    /// Each account's months by kind of charge, in (month, account, charge) order.
    pub fn charges(&self) -> Vec<ChargeTotal> {
        let name = |i: u32| self.names.get(i).to_string();
        let mut out: Vec<ChargeTotal> = self
            .charges
            .iter()
            .map(|(&(a, c, month), [billed, effective])| ChargeTotal {
                account: name(a),
                charge: name(c),
                month,
                billed: billed.to_money(),
                effective: effective.to_money(),
            })
            .collect();
        out.sort_by(|x, y| (x.month, &x.account, &x.charge).cmp(&(y.month, &y.account, &y.charge)));
        out
    }

    /// Each account with its provider and the name the file gave it, if any.
    pub fn accounts(&self) -> Vec<(String, String, Option<String>)> {
        let mut out: Vec<_> = self
            .account_providers
            .iter()
            .map(|(&a, &p)| {
                (
                    self.names.get(p).to_string(),
                    self.names.get(a).to_string(),
                    self.account_names.get(&a).cloned(),
                )
            })
            .collect();
        out.sort();
        out
    }
}
