//! The only module that names AWS SDK types: clients with timeouts, one adapter per
//! service, pagination to the end, and errors mapped to what the rest of costscope
//! needs to know (denied, throttled, unreachable).

/// Every item of a paginated listing, followed to its last page, adding the pages sent
/// to `requests`.
macro_rules! all_pages {
    ($request:expr, $operation:literal, $items:ident, $requests:ident) => {{
        let pages = $request
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| map_error($operation, e))?;
        $requests += pages.len() as u32;
        pages
            .into_iter()
            .flat_map(|page| page.$items.unwrap_or_default())
            .collect::<Vec<_>>()
    }};
}

/// Every item of a paginated listing, page by page, each page (the failing one too)
/// counted in `$meter`. An error on any page fails the whole listing: never a half-list.
macro_rules! listing {
    ($meter:expr, $service:literal, $operation:literal, $request:expr, $items:ident) => {{
        let mut stream = $request.into_paginator().send();
        let mut items = Vec::new();
        loop {
            // The paginator sends the next page's request when polled: pace first.
            $meter.pace($service).await;
            let Some(page) = stream.next().await else {
                break;
            };
            $meter.tally.add($service, $operation, 1, 0);
            let page = page.map_err(|e| map_error($operation, e))?;
            items.extend(page.$items.unwrap_or_default());
        }
        items
    }};
}

pub mod assume;
pub mod attempts;
pub mod cloudwatch;
pub mod cost_explorer;
pub mod credential_process;
pub mod data_exports;
mod directory;
pub mod export_bucket;
pub mod identity;
pub mod inventory;
pub mod organizations;
pub mod pace;
pub mod remediation;
pub mod s3;
pub mod scan_source;

use crate::domain::sources::Tally;
pub use crate::domain::SourceError;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_organizations::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::time::Duration;

/// Maps any SDK error of an operation to a `SourceError`. (`SdkError` is the same type
/// in every service crate.)
pub(crate) fn map_error<E, R>(operation: &'static str, err: SdkError<E, R>) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = DisplayErrorContext(&err).to_string();
    if let (false, Some(problem)) = (
        matches!(err, SdkError::ServiceError(_)),
        credentials_problem(&message),
    ) {
        return problem;
    }
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let text = e.message().unwrap_or_default().to_string();
            match e.code().unwrap_or_default() {
                "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
                    SourceError::AccessDenied {
                        operation,
                        message: text,
                    }
                }
                "AWSOrganizationsNotInUseException" => SourceError::NotInOrganization,
                "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
                    SourceError::CredentialsExpired { message: text }
                }
                "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "SignatureDoesNotMatch" => SourceError::InvalidCredentials { message: text },
                "LimitExceededException"
                | "TooManyRequestsException"
                | "ThrottlingException"
                | "Throttling"
                | "RequestLimitExceeded" => SourceError::Throttled { operation },
                _ => SourceError::Other { operation, message },
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            SourceError::Unreachable { operation, message }
        }
        _ => SourceError::Other { operation, message },
    }
}

/// Reads the credential chain's failure text: an expired SSO session (the SSO token
/// provider says "expired"; the SSO portal answers UnauthorizedException) or no
/// credentials at all.
fn credentials_problem(message: &str) -> Option<SourceError> {
    // costscope's own credential_process runner says exactly what went wrong.
    if let Some(at) = message.find("the credential_process of AWS profile") {
        let text = &message[at..];
        let end = text.find(": run it once").map_or(text.len(), |i| {
            i + text[i..]
                .find("try again")
                .map_or(0, |j| j + "try again".len())
        });
        return Some(SourceError::CredentialHelper {
            message: text[..end].to_string(),
        });
    }
    let lower = message.to_ascii_lowercase();
    if !lower.contains("credential") && !lower.contains("sso") && !lower.contains("token") {
        return None;
    }
    let sso = lower.contains("sso");
    if sso && (lower.contains("expired") || lower.contains("unauthorizedexception")) {
        return Some(SourceError::SsoExpired);
    }
    if lower.contains("expired") {
        return Some(SourceError::CredentialsExpired {
            message: message.to_string(),
        });
    }
    lower
        .contains("credential")
        .then_some(SourceError::NoCredentials)
}

/// What a scan job sent (`Tally`), with pacers: each request first waits for its
/// service's slot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meter {
    pub tally: Tally,
    pub pacers: ServicePacers,
}

/// A ceiling on requests per second for each service, shared by every job of a scan.
/// Configuration, not data: two meters compare equal whatever their pacers.
#[derive(Debug, Clone, Default)]
pub struct ServicePacers(
    Option<std::sync::Arc<std::collections::BTreeMap<&'static str, pace::Pacer>>>,
);

impl PartialEq for ServicePacers {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for ServicePacers {}

/// The services a scan reads, each paced on its own.
pub const PACED_SERVICES: [&str; 5] = ["ec2", "rds", "cloudwatch", "s3", "sts"];

impl ServicePacers {
    /// At most `per_second` requests a second to each service (0: no ceiling).
    pub fn per_second(per_second: f64) -> ServicePacers {
        if per_second <= 0.0 {
            return ServicePacers(None);
        }
        ServicePacers(Some(std::sync::Arc::new(
            PACED_SERVICES
                .iter()
                .map(|s| (*s, pace::Pacer::per_second(per_second)))
                .collect(),
        )))
    }
}

impl Meter {
    /// A meter whose requests wait for `pacers`.
    pub fn paced(pacers: ServicePacers) -> Meter {
        Meter {
            tally: Tally::default(),
            pacers,
        }
    }

    /// Waits until `service` may take another request.
    pub async fn pace(&self, service: &str) {
        if let Some(pacer) = self.pacers.0.as_ref().and_then(|p| p.get(service)) {
            pacer.wait().await;
        }
    }

    /// Takes in what the SDK really sent (retries included) and how much of it was
    /// throttled, for the operations this meter counts.
    pub fn absorb(&mut self, attempts: attempts::AttemptCounter) {
        for ((service, operation), a) in attempts.take() {
            self.tally
                .observed(&service, &operation, a.sent, a.throttled);
        }
    }
}

/// The clients a cost sync needs, built from one SDK configuration.
#[derive(Debug, Clone)]
pub struct CostClients {
    pub sts: aws_sdk_sts::Client,
    pub organizations: aws_sdk_organizations::Client,
    pub cost_explorer: aws_sdk_costexplorer::Client,
}

impl CostClients {
    /// Cost Explorer retries are costscope's own (see `cost_explorer`), so that every
    /// attempt and every throttle is counted; the SDK's are turned off for it.
    pub fn new(config: &aws_config::SdkConfig) -> CostClients {
        let ce_config = aws_sdk_costexplorer::config::Builder::from(config)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        CostClients {
            sts: aws_sdk_sts::Client::new(config),
            organizations: aws_sdk_organizations::Client::new(config),
            cost_explorer: aws_sdk_costexplorer::Client::from_conf(ce_config),
        }
    }

    /// Clients from the standard chain with `--profile` and `--region`.
    pub async fn connect(
        profile: Option<&str>,
        region: Option<&str>,
    ) -> Result<CostClients, SourceError> {
        Ok(CostClients::new(&load_config(profile, region).await?))
    }
}

/// Where background jobs get their SDK configuration.
#[derive(Debug, Clone)]
pub enum Connect {
    /// The standard chain, with a profile and region.
    Chain {
        profile: Option<String>,
        region: Option<String>,
    },
    /// A ready SDK configuration (tests point it at a local server).
    Config(Box<aws_config::SdkConfig>),
}

impl Connect {
    pub async fn config(&self) -> Result<aws_config::SdkConfig, SourceError> {
        match self {
            Connect::Chain { profile, region } => {
                load_config(profile.as_deref(), region.as_deref()).await
            }
            Connect::Config(config) => Ok((**config).clone()),
        }
    }
}

/// What the chosen profile (`--profile`, else AWS_PROFILE, else default) needs from a
/// person, read from the shared config files as the SDK reads them.
#[derive(Debug, Default)]
pub struct ProfileNeeds {
    /// The profile in its source_profile chain with `mfa_serial`: the SDK cannot ask for
    /// the code and costscope never prompts, so it fails at once.
    pub mfa: Option<String>,
    /// Its own `credential_process`, which costscope runs without a terminal.
    pub process: Option<credential_process::DetachedProcess>,
}

/// Reads the chosen profile's chain. Credentials in the environment come before any
/// profile, so then it needs nothing.
pub async fn profile_needs(profile: Option<&str>) -> ProfileNeeds {
    use aws_types::os_shim_internal::{Env, Fs};
    let mut needs = ProfileNeeds::default();
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        return needs;
    }
    let Ok(set) = aws_config::profile::load(
        &Fs::real(),
        &Env::real(),
        &Default::default(),
        profile.map(|p| std::borrow::Cow::Owned(p.to_string())),
    )
    .await
    else {
        return needs;
    };
    let mut name = set.selected_profile().to_string();
    if let Some(command) = set
        .get_profile(&name)
        .and_then(|p| p.get("credential_process"))
    {
        needs.process = Some(credential_process::DetachedProcess {
            profile: name.clone(),
            command: command.to_string(),
        });
    }
    // A chain of source profiles is short; a cycle is the SDK's to report.
    for _ in 0..16 {
        let Some(found) = set.get_profile(&name) else {
            break;
        };
        if found.get("mfa_serial").is_some() {
            needs.mfa = Some(name);
            break;
        }
        match found.get("source_profile") {
            Some(next) if next != name => name = next.to_string(),
            _ => break,
        }
    }
    needs
}

/// How the clients that only read (EC2, RDS, CloudWatch, S3, Organizations, STS) retry:
/// the SDK's standard mode, exponential backoff with full jitter, 5 attempts. (Its
/// adaptive mode was measured to stall 20 s after a single throttle.) Every attempt and
/// every throttle is counted (`attempts`). Cost Explorer (billed per request) and every
/// change are sent by costscope's own rules.
pub fn read_retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(250))
        .with_max_backoff(Duration::from_secs(20))
}

/// SDK configuration from the standard chain (environment, shared files, SSO, assume-role
/// profiles, credential_process) with `--profile` and `--region`, and an operation and
/// attempt timeout on every client (the SDK sets none by default). AWS_ENDPOINT_URL and
/// AWS_ENDPOINT_URL_<SERVICE> are honoured by the SDK itself.
pub async fn load_config(
    profile: Option<&str>,
    region: Option<&str>,
) -> Result<aws_config::SdkConfig, SourceError> {
    let needs = profile_needs(profile).await;
    if let Some(profile) = needs.mfa {
        return Err(SourceError::NeedsMfa { profile });
    }
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(60))
                .operation_attempt_timeout(Duration::from_secs(20))
                .connect_timeout(Duration::from_secs(5))
                .build(),
        )
        .retry_config(read_retries());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_string()));
    }
    if let Some(process) = needs.process {
        loader = loader.credentials_provider(process);
    }
    Ok(loader.load().await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_paces_each_service_on_its_own_and_zero_means_no_ceiling() {
        assert!(ServicePacers::per_second(0.0).0.is_none());
        let pacers = ServicePacers::per_second(5.0);
        let by_service = pacers.0.as_ref().unwrap();
        assert_eq!(by_service.len(), PACED_SERVICES.len());
        for service in PACED_SERVICES {
            assert_eq!(by_service[service].interval(), Duration::from_millis(200));
        }
        // Every meter of the scan shares the same pacers (and so the same slots).
        let a = Meter::paced(pacers.clone());
        let b = Meter::paced(pacers);
        assert!(std::sync::Arc::ptr_eq(
            a.pacers.0.as_ref().unwrap(),
            b.pacers.0.as_ref().unwrap()
        ));
    }

    #[test]
    fn reads_back_off_with_jitter_and_clients_built_from_the_chain_use_it() {
        use aws_config::retry::RetryMode;
        let retries = read_retries();
        assert_eq!(retries.mode(), RetryMode::Standard);
        assert_eq!(retries.max_attempts(), 5);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // No network: loading the chain reads the environment only.
        let config = runtime
            .block_on(load_config(None, Some("us-east-1")))
            .unwrap();
        assert_eq!(config.retry_config(), Some(&read_retries()));
        // Cost Explorer's own retries count every attempt: the SDK's are off for it.
        let ce = CostClients::new(&config).cost_explorer;
        assert_eq!(
            ce.config().retry_config().map(|r| r.max_attempts()),
            Some(1)
        );
    }

    #[test]
    fn credential_chain_failures_are_told_apart() {
        assert_eq!(
            credentials_problem(
                "failed to construct request: an error occurred while loading credentials: \
                 the SSO token has expired and cannot be refreshed"
            ),
            Some(SourceError::SsoExpired)
        );
        assert_eq!(
            credentials_problem(
                "error loading credentials: failed to load credentials from the SSO portal: \
                 UnauthorizedException: Session token not found or invalid"
            ),
            Some(SourceError::SsoExpired)
        );
        assert_eq!(
            credentials_problem("dispatch failure: no credentials provider in the chain"),
            Some(SourceError::NoCredentials)
        );
        assert_eq!(credentials_problem("connection refused"), None);
    }
}
