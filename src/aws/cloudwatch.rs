//! CloudWatch GetMetricData: daily statistics for many resources, up to 500 metrics per
//! request (the API's limit), every page followed. Billed per metric requested, so the
//! meter counts metrics as well as requests.

use super::{map_error, Meter, SourceError};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricDataResult, MetricStat, ScanBy, StatusCode,
};
use aws_sdk_cloudwatch::Client;
use std::collections::HashMap;

/// GetMetricData's limit on metrics per request.
pub const MAX_METRICS_PER_REQUEST: usize = 500;
pub const DAY_SECONDS: i64 = 86_400;

/// One metric to read: a daily statistic of a namespace's metric with its dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRequest {
    pub namespace: &'static str,
    pub name: &'static str,
    pub dimensions: Vec<(&'static str, String)>,
    /// Average, Sum, Maximum, ...
    pub stat: &'static str,
}

/// Daily (timestamp seconds, value) points, oldest first, in the order requested.
pub type DailyPoints = Vec<(i64, f64)>;

/// One metric's answer: its points, or why CloudWatch could not give them all (a status
/// other than Complete: PartialData, Forbidden, InternalError). Unknown, never empty.
pub type MetricAnswer = Result<DailyPoints, String>;

/// Reads every metric over [start, end) at one point per day. The answer has one entry
/// per request, in order; a metric with no data gets an empty list.
pub async fn daily_metrics(
    client: &Client,
    requests: &[MetricRequest],
    start_secs: i64,
    end_secs: i64,
    meter: &mut Meter,
) -> Result<Vec<MetricAnswer>, SourceError> {
    let mut out = vec![Vec::new(); requests.len()];
    let mut statuses: Vec<Option<String>> = vec![None; requests.len()];
    for (chunk_index, chunk) in requests.chunks(MAX_METRICS_PER_REQUEST).enumerate() {
        let offset = chunk_index * MAX_METRICS_PER_REQUEST;
        let queries: Vec<MetricDataQuery> = chunk
            .iter()
            .enumerate()
            .map(|(i, r)| query(&format!("m{i}"), r))
            .collect();
        let mut token: Option<String> = None;
        loop {
            meter.pace("cloudwatch").await;
            let sent = client
                .get_metric_data()
                .set_metric_data_queries(Some(queries.clone()))
                .start_time(DateTime::from_secs(start_secs))
                .end_time(DateTime::from_secs(end_secs))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(token.clone())
                .send()
                .await;
            meter
                .tally
                .add("cloudwatch", "GetMetricData", 1, queries.len() as u32);
            let page = sent.map_err(|e| map_error("GetMetricData", e))?;
            for result in page.metric_data_results() {
                let Some(index) = result
                    .id()
                    .and_then(|id| id.strip_prefix('m'))
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| *n < chunk.len())
                else {
                    continue;
                };
                out[offset + index].extend(
                    result
                        .timestamps()
                        .iter()
                        .map(DateTime::secs)
                        .zip(result.values().iter().copied()),
                );
                // The last page's word on each metric is the one that counts (PartialData
                // on a page with a next token is only "more to come").
                statuses[offset + index] = incomplete(result);
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    for points in &mut out {
        points.sort_by_key(|(t, _)| *t);
    }
    Ok(out
        .into_iter()
        .zip(statuses)
        .zip(requests)
        .map(|((points, status), r)| match status {
            None => Ok(points),
            Some(status) => Err(format!("CloudWatch {} {}: {status}", r.namespace, r.name)),
        })
        .collect())
}

/// Why a result is not complete, or None when it is (or says nothing).
fn incomplete(result: &MetricDataResult) -> Option<String> {
    match result.status_code() {
        None | Some(StatusCode::Complete) => None,
        Some(status) => {
            let message = result
                .messages()
                .first()
                .and_then(|m| m.value())
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            Some(format!("{}{message}", status.as_str()))
        }
    }
}

fn query(id: &str, r: &MetricRequest) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(r.namespace)
        .metric_name(r.name)
        .set_dimensions(Some(
            r.dimensions
                .iter()
                .map(|(name, value)| Dimension::builder().name(*name).value(value).build())
                .collect(),
        ))
        .build();
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(DAY_SECONDS as i32)
                .stat(r.stat)
                .build(),
        )
        .return_data(true)
        .build()
}

/// The look-back window ends at the start of today (UTC): whole days only.
pub fn lookback_window(now: chrono::DateTime<chrono::Utc>, days: u32) -> (i64, i64) {
    let end = now.timestamp().div_euclid(DAY_SECONDS) * DAY_SECONDS;
    (end - i64::from(days) * DAY_SECONDS, end)
}

/// Adds two daily series point by point (NetworkIn + NetworkOut); a day present in
/// only one counts what is there.
pub fn add_series(a: &DailyPoints, b: &DailyPoints) -> DailyPoints {
    let mut by_day: HashMap<i64, f64> = HashMap::new();
    for (t, v) in a.iter().chain(b.iter()) {
        *by_day.entry(t.div_euclid(DAY_SECONDS)).or_default() += v;
    }
    let mut out: DailyPoints = by_day
        .into_iter()
        .map(|(day, v)| (day * DAY_SECONDS, v))
        .collect();
    out.sort_by_key(|(t, _)| *t);
    out
}

pub fn values(points: &DailyPoints) -> Vec<f64> {
    points.iter().map(|(_, v)| *v).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudwatch::types::MessageData;

    fn result(status: Option<StatusCode>) -> MetricDataResult {
        MetricDataResult::builder()
            .id("m0")
            .set_status_code(status)
            .messages(
                MessageData::builder()
                    .code("Forbidden")
                    .value("not authorized")
                    .build(),
            )
            .build()
    }

    #[test]
    fn only_a_complete_result_counts_as_read() {
        assert_eq!(incomplete(&result(Some(StatusCode::Complete))), None);
        assert_eq!(incomplete(&result(None)), None);
        for status in [
            StatusCode::PartialData,
            StatusCode::Forbidden,
            StatusCode::InternalError,
        ] {
            let why = incomplete(&result(Some(status.clone()))).expect("not complete");
            assert!(why.starts_with(status.as_str()), "{why}");
            assert!(why.contains("not authorized"), "{why}");
        }
    }
}
