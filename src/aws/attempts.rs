//! Counts every attempt the SDK sends and the ones AWS throttled, by service and
//! operation: the SDK's own retries would otherwise hide them from the API meter.

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::config::interceptors::FinalizerInterceptorContextRef;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Attempts of one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attempts {
    pub sent: u32,
    pub throttled: u32,
}

/// Shared by the clients of one unit of work; read once the unit is done.
#[derive(Debug, Clone, Default)]
pub struct AttemptCounter(Arc<Mutex<BTreeMap<(String, String), Attempts>>>);

/// The error codes AWS services throttle with.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
    "LimitExceededException",
    "EC2ThrottledException",
    "ProvisionedThroughputExceededException",
];

impl AttemptCounter {
    /// An answer with the attempts taken since the last take (retries and throttles
    /// included).
    pub fn fetched<T>(
        &self,
        result: Result<T, crate::domain::SourceError>,
    ) -> crate::domain::sources::Fetched<T> {
        let attempts = self.take();
        crate::domain::sources::Fetched {
            result,
            requests: attempts.values().map(|a| a.sent).sum(),
            throttles: attempts.values().map(|a| a.throttled).sum(),
        }
    }

    /// (service, operation) → attempts, services in lower case as the meter names them.
    pub fn take(&self) -> BTreeMap<(String, String), Attempts> {
        self.0
            .lock()
            .map(|mut counts| std::mem::take(&mut *counts))
            .unwrap_or_default()
    }
}

impl Intercept for AttemptCounter {
    fn name(&self) -> &'static str {
        "costscope-attempt-counter"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let key = cfg.load::<Metadata>().map_or_else(Default::default, |m| {
            (m.service().to_ascii_lowercase(), m.name().to_string())
        });
        let throttled = context.response().is_some_and(is_throttled);
        if let Ok(mut counts) = self.0.lock() {
            let attempts = counts.entry(key).or_default();
            attempts.sent += 1;
            attempts.throttled += u32::from(throttled);
        }
        Ok(())
    }
}

/// 429, or an error whose code (XML `<Code>`, JSON `__type`, or the error-type header)
/// is one AWS throttles with.
fn is_throttled(response: &HttpResponse) -> bool {
    let status = response.status().as_u16();
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    let header = response
        .headers()
        .get("x-amzn-errortype")
        .unwrap_or_default();
    let body = response
        .body()
        .bytes()
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or_default();
    THROTTLING_CODES.iter().any(|code| {
        header.starts_with(code)
            || body.contains(&format!("<Code>{code}</Code>"))
            || body.contains(&format!("\"{code}\""))
            || body.contains(&format!("#{code}\""))
    })
}
