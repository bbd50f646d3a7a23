//! What AWS charges for the calls costscope makes: the sync's cap, the estimates shown
//! before a refresh or scan, and the API-cost meter all price calls here.

use super::Money;

/// One Cost Explorer request (each page of GetCostAndUsage is one).
pub const CE_REQUEST_PRICE: Money = Money::from_nanos(10_000_000);

/// CloudWatch GetMetricData: $0.01 per 1,000 metrics requested.
pub const CLOUDWATCH_PRICE_PER_1000_METRICS: Money = Money::from_nanos(10_000_000);

/// The price of `requests` Cost Explorer requests.
pub fn ce_price(requests: u64) -> Money {
    CE_REQUEST_PRICE.scale(i64::try_from(requests).unwrap_or(i64::MAX), 1)
}

/// The price of `metrics` CloudWatch metrics requested.
pub fn cloudwatch_price(metrics: u64) -> Money {
    CLOUDWATCH_PRICE_PER_1000_METRICS.scale(i64::try_from(metrics).unwrap_or(i64::MAX), 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_priced_to_the_cent() {
        assert_eq!(ce_price(14).to_string(), "$0.14");
        assert_eq!(cloudwatch_price(3_000).to_string(), "$0.03");
        assert_eq!(cloudwatch_price(0), Money::ZERO);
    }
}
