//! AWS's Cost and Usage Report 2.0 (a Data Exports table): which columns a file's
//! header names, and one line item read from them into the same `FocusLine` a FOCUS
//! file gives. Pure, like `focus`: a reader hands in the header and each record.
//!
//! CUR 2.0 has no amortized column; the effective cost is derived per line item type
//! the way AWS's own Cost Explorer "amortized" metric is: covered usage at its Savings
//! Plans or reservation effective cost, the commitment fees at what went unused, and the
//! upfront purchases and negations at zero (their cost sits in the covered usage).

use super::detail::LineDetail;
use super::exact::ExactSum;
use super::fees::ONCE_A_MONTH_RECORD_TYPES;
use super::focus::{present, price, utc_day, FocusLine};

/// Where the CUR 2.0 columns costscope reads sit in a file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurColumns {
    start: usize,
    account: usize,
    account_name: Option<usize>,
    product_code: usize,
    /// A flattened `product.product_name` ("Amazon Elastic Compute Cloud"), if selected.
    product_name: Option<usize>,
    /// The `product` map (JSON text in CSV), where the product name otherwise lives.
    product: Option<usize>,
    line_type: usize,
    unblended: usize,
    currency: Option<usize>,
    sp_effective: Option<usize>,
    sp_commitment: Option<usize>,
    sp_used: Option<usize>,
    ri_effective: Option<usize>,
    ri_unused_upfront: Option<usize>,
    ri_unused_recurring: Option<usize>,
    ri_arn: Option<usize>,
    region: Option<usize>,
    usage_type: Option<usize>,
    operation: Option<usize>,
    pricing_term: Option<usize>,
    resource: Option<usize>,
    tags: Option<usize>,
    /// The line at public on-demand rates: CUR's list cost.
    public_on_demand: Option<usize>,
}

/// The columns a CUR 2.0 file must have.
pub const REQUIRED: &[&str] = &[
    "line_item_usage_start_date",
    "line_item_usage_account_id",
    "line_item_product_code",
    "line_item_line_item_type",
    "line_item_unblended_cost",
];

/// Every column costscope reads from CUR 2.0.
pub const COLUMNS_READ: &[&str] = &[
    "line_item_usage_start_date",
    "line_item_usage_account_id",
    "line_item_usage_account_name",
    "line_item_product_code",
    "product_product_name",
    "product",
    "line_item_line_item_type",
    "line_item_unblended_cost",
    "line_item_currency_code",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "reservation_effective_cost",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
    "reservation_reservation_a_r_n",
    "product_region_code",
    "line_item_usage_type",
    "line_item_operation",
    "pricing_term",
    "line_item_resource_id",
    "resource_tags",
    "pricing_public_on_demand_cost",
];

/// The entries read of CUR 2.0's map columns, where not all are.
pub const MAP_ENTRIES_READ: &[(&str, &[&str])] = &[("product", &["product_name"])];

impl CurColumns {
    /// The columns, or the required ones the header lacks.
    pub fn from_header(names: &[&str]) -> Result<CurColumns, Vec<&'static str>> {
        let find = |name: &str| names.iter().position(|n| n.eq_ignore_ascii_case(name));
        let missing: Vec<&'static str> = REQUIRED
            .iter()
            .copied()
            .filter(|name| find(name).is_none())
            .collect();
        let (Some(start), Some(account), Some(product_code), Some(line_type), Some(unblended)) = (
            find("line_item_usage_start_date"),
            find("line_item_usage_account_id"),
            find("line_item_product_code"),
            find("line_item_line_item_type"),
            find("line_item_unblended_cost"),
        ) else {
            return Err(missing);
        };
        Ok(CurColumns {
            start,
            account,
            account_name: find("line_item_usage_account_name"),
            product_code,
            product_name: find("product_product_name"),
            product: find("product"),
            line_type,
            unblended,
            currency: find("line_item_currency_code"),
            sp_effective: find("savings_plan_savings_plan_effective_cost"),
            sp_commitment: find("savings_plan_total_commitment_to_date"),
            sp_used: find("savings_plan_used_commitment"),
            ri_effective: find("reservation_effective_cost"),
            ri_unused_upfront: find("reservation_unused_amortized_upfront_fee_for_billing_period"),
            ri_unused_recurring: find("reservation_unused_recurring_fee"),
            ri_arn: find("reservation_reservation_a_r_n"),
            region: find("product_region_code"),
            usage_type: find("line_item_usage_type"),
            operation: find("line_item_operation"),
            pricing_term: find("pricing_term"),
            resource: find("line_item_resource_id"),
            tags: find("resource_tags"),
            public_on_demand: find("pricing_public_on_demand_cost"),
        })
    }
}

/// Reads one CUR 2.0 record; `field(i)` is its i-th field ("" past its end).
pub fn read_line<'a>(
    columns: &CurColumns,
    field: impl Fn(usize) -> &'a str,
) -> Result<FocusLine<'a>, String> {
    let value = |i: usize| present(field(i));
    let optional = |i: Option<usize>| i.and_then(value);
    let required = |i: usize, name: &str| value(i).ok_or_else(|| format!("no {name}"));
    let amount = |i: Option<usize>, name: &str| -> Result<ExactSum, String> {
        match optional(i) {
            None => Ok(ExactSum::ZERO),
            Some(text) => ExactSum::parse(text).map_err(|e| format!("{name}: {e}")),
        }
    };
    if let Some(currency) = optional(columns.currency) {
        if !currency.eq_ignore_ascii_case("USD") {
            return Err(format!(
                "billed in {currency}; costscope keeps US dollars (convert the file first)"
            ));
        }
    }
    let start = required(columns.start, "line_item_usage_start_date")?;
    let day = utc_day(start)
        .ok_or_else(|| format!("line_item_usage_start_date: not a time: {start:?}"))?;
    let line_type = required(columns.line_type, "line_item_line_item_type")?;
    let billed = amount(Some(columns.unblended), "line_item_unblended_cost")?;
    let is = |name: &str| line_type.eq_ignore_ascii_case(name);
    let effective = if is("SavingsPlanCoveredUsage") {
        amount(
            columns.sp_effective,
            "savings_plan_savings_plan_effective_cost",
        )?
    } else if is("SavingsPlanRecurringFee") {
        amount(
            columns.sp_commitment,
            "savings_plan_total_commitment_to_date",
        )? - amount(columns.sp_used, "savings_plan_used_commitment")?
    } else if is("SavingsPlanNegation") || is("SavingsPlanUpfrontFee") {
        ExactSum::ZERO
    } else if is("DiscountedUsage") {
        amount(columns.ri_effective, "reservation_effective_cost")?
    } else if is("RIFee") {
        let mut unused = amount(
            columns.ri_unused_upfront,
            "reservation_unused_amortized_upfront_fee_for_billing_period",
        )?;
        unused += amount(
            columns.ri_unused_recurring,
            "reservation_unused_recurring_fee",
        )?;
        unused
    } else if is("Fee") && optional(columns.ri_arn).is_some() {
        // A reservation's upfront payment: amortized into its DiscountedUsage lines.
        ExactSum::ZERO
    } else {
        billed
    };
    let code = required(columns.product_code, "line_item_product_code")?;
    let service = optional(columns.product_name)
        .or_else(|| optional(columns.product).and_then(product_name_in_map))
        .unwrap_or(code);
    let text = |i: Option<usize>| optional(i).unwrap_or("");
    let usage_type = text(columns.usage_type);
    let pricing = if is("SavingsPlanCoveredUsage") || is("DiscountedUsage") {
        "Committed"
    } else if !is("Usage") {
        ""
    } else if text(columns.pricing_term).eq_ignore_ascii_case("Spot")
        || usage_type.contains("SpotUsage")
    {
        "Dynamic"
    } else {
        "Standard"
    };
    Ok(FocusLine {
        provider: "AWS",
        account: required(columns.account, "line_item_usage_account_id")?,
        account_name: optional(columns.account_name),
        service,
        day,
        billed,
        effective,
        once_a_month: ONCE_A_MONTH_RECORD_TYPES.iter().any(|t| is(t)),
        charge: line_type,
        list: price(
            optional(columns.public_on_demand),
            "pricing_public_on_demand_cost",
        )?,
        // CUR 2.0 has no column for the price after negotiated discounts alone.
        contracted: None,
        detail: LineDetail {
            region: text(columns.region),
            usage_type,
            operation: text(columns.operation),
            pricing,
            resource: text(columns.resource),
            // An empty map is written as "{}": no tags.
            tags: text(columns.tags).trim_start_matches("{}"),
        },
    })
}

/// The `product_name` value in the `product` map's JSON text (`{"product_name":"Amazon
/// Simple Storage Service",...}`), borrowed from it when it holds no escapes.
fn product_name_in_map(map: &str) -> Option<&str> {
    let key = "\"product_name\"";
    let after = &map[map.find(key)? + key.len()..];
    let after = after.trim_start().strip_prefix(':')?.trim_start();
    let inner = after.strip_prefix('"')?;
    let end = inner.find('"')?;
    let name = &inner[..end];
    (!name.contains('\\') && !name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn columns() -> CurColumns {
        CurColumns::from_header(COLUMNS_READ).unwrap()
    }

    /// A record over `COLUMNS_READ`, its fields set by name.
    fn line(set: &[(&str, &'static str)]) -> Result<FocusLine<'static>, String> {
        let fields: Vec<&'static str> = COLUMNS_READ
            .iter()
            .map(|c| {
                set.iter()
                    .find(|(name, _)| name == c)
                    .map_or("", |(_, v)| *v)
            })
            .collect();
        let fields: &'static [&'static str] = Box::leak(fields.into_boxed_slice());
        read_line(&columns(), |i| fields.get(i).copied().unwrap_or(""))
    }

    fn base(kind: &'static str) -> Vec<(&'static str, &'static str)> {
        vec![
            ("line_item_usage_start_date", "2026-10-03T07:00:00Z"),
            ("line_item_usage_account_id", "111122223333"),
            ("line_item_product_code", "AmazonEC2"),
            ("line_item_line_item_type", kind),
            ("line_item_unblended_cost", "10.5"),
            ("savings_plan_savings_plan_effective_cost", "6.25"),
            ("savings_plan_total_commitment_to_date", "100"),
            ("savings_plan_used_commitment", "92.5"),
            ("reservation_effective_cost", "4"),
            (
                "reservation_unused_amortized_upfront_fee_for_billing_period",
                "1.5",
            ),
            ("reservation_unused_recurring_fee", "0.25"),
        ]
    }

    fn effective(kind: &'static str, extra: &[(&str, &'static str)]) -> ExactSum {
        let mut set = base(kind);
        set.extend_from_slice(extra);
        line(&set).unwrap().effective
    }

    #[test]
    fn the_effective_cost_follows_each_line_item_type() {
        let x = |t: &str| ExactSum::parse(t).unwrap();
        assert_eq!(effective("Usage", &[]), x("10.5"));
        assert_eq!(effective("SavingsPlanCoveredUsage", &[]), x("6.25"));
        assert_eq!(
            effective("SavingsPlanRecurringFee", &[]),
            x("7.5"),
            "unused"
        );
        assert_eq!(effective("SavingsPlanNegation", &[]), ExactSum::ZERO);
        assert_eq!(effective("SavingsPlanUpfrontFee", &[]), ExactSum::ZERO);
        assert_eq!(effective("DiscountedUsage", &[]), x("4"));
        assert_eq!(effective("RIFee", &[]), x("1.75"));
        assert_eq!(effective("Fee", &[]), x("10.5"), "a fee of no reservation");
        let arn = [(
            "reservation_reservation_a_r_n",
            "arn:aws:ec2:us-east-1:111122223333:reserved-instances/r-1",
        )];
        assert_eq!(effective("Fee", &arn), ExactSum::ZERO, "an RI upfront fee");
        assert_eq!(effective("Credit", &[]), x("10.5"));
    }

    #[test]
    fn a_line_names_its_product_and_day_and_knows_its_once_a_month_charges() {
        let mut set = base("Usage");
        set.push((
            "product",
            "{\"region\":\"us-east-1\",\"product_name\": \"Amazon Elastic Compute Cloud\"}",
        ));
        let l = line(&set).unwrap();
        assert_eq!(l.service, "Amazon Elastic Compute Cloud");
        assert_eq!(l.provider, "AWS");
        assert_eq!(l.day, NaiveDate::from_ymd_opt(2026, 10, 3).unwrap());
        assert!(!l.once_a_month);
        let plain = line(&base("Usage")).unwrap();
        assert_eq!(
            plain.service, "AmazonEC2",
            "the product code without a name"
        );
        assert_eq!(l.detail.pricing, "Standard");
        let mut detailed = base("SavingsPlanCoveredUsage");
        detailed.extend_from_slice(&[
            ("product_region_code", "eu-west-1"),
            ("line_item_usage_type", "EU-BoxUsage:m5.large"),
            ("line_item_operation", "RunInstances"),
            ("line_item_resource_id", "i-0abc"),
            ("resource_tags", "{\"user_team\":\"payments\"}"),
        ]);
        let d = line(&detailed).unwrap().detail;
        assert_eq!(
            (d.region, d.usage_type, d.operation, d.resource, d.pricing),
            (
                "eu-west-1",
                "EU-BoxUsage:m5.large",
                "RunInstances",
                "i-0abc",
                "Committed"
            )
        );
        assert_eq!(d.tags, "{\"user_team\":\"payments\"}");
        let mut spot = base("Usage");
        spot.push(("line_item_usage_type", "SpotUsage:c5.xlarge"));
        assert_eq!(line(&spot).unwrap().detail.pricing, "Dynamic");
        assert_eq!(line(&base("Tax")).unwrap().detail.pricing, "");
        assert!(line(&base("Tax")).unwrap().once_a_month);
        assert!(line(&base("SavingsPlanRecurringFee")).unwrap().once_a_month);
        let mut listed = base("Usage");
        listed.push(("pricing_public_on_demand_cost", "12.0000000001"));
        let listed = line(&listed).unwrap();
        assert_eq!(listed.list, ExactSum::parse("12.0000000001").ok());
        assert_eq!(listed.contracted, None, "CUR 2.0 has no contracted cost");
        assert_eq!(
            line(&base("Usage")).unwrap().list,
            None,
            "not given: unknown"
        );
        let mut euro = base("Usage");
        euro.push(("line_item_currency_code", "EUR"));
        assert!(line(&euro).unwrap_err().starts_with("billed in EUR"));
        let missing = CurColumns::from_header(&["line_item_unblended_cost"]).unwrap_err();
        assert_eq!(missing.len(), 4);
    }
}
