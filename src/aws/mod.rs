//! The only module that names AWS SDK types: clients with timeouts, one adapter per
//! service, pagination to the end, and errors mapped to what the rest of costscope
//! needs to know (denied, throttled, unreachable).

pub mod cost_explorer;
pub mod organizations;

use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_organizations::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::time::Duration;

/// What went wrong talking to AWS, in the terms the sync reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsError {
    #[error("access denied for {operation}: {message}")]
    AccessDenied {
        operation: &'static str,
        message: String,
    },
    #[error("{operation} was throttled and retries ran out")]
    Throttled { operation: &'static str },
    #[error("this account is not in an AWS organization")]
    NotInOrganization,
    #[error("cannot reach AWS for {operation} ({message}); the cache is unchanged")]
    Unreachable {
        operation: &'static str,
        message: String,
    },
    #[error("no AWS credentials found: set AWS_PROFILE or pass --profile, or run `aws sso login` / `aws configure`")]
    NoCredentials,
    #[error("{operation} returned data costscope cannot read: {message}")]
    BadResponse {
        operation: &'static str,
        message: String,
    },
    #[error("{operation} failed: {message}")]
    Other {
        operation: &'static str,
        message: String,
    },
}

/// Maps any SDK error of an operation to an `AwsError`. (`SdkError` is the same type
/// in every service crate.)
pub(crate) fn map_error<E, R>(operation: &'static str, err: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let text = e.message().unwrap_or_default().to_string();
            match e.code().unwrap_or_default() {
                "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
                    AwsError::AccessDenied {
                        operation,
                        message: text,
                    }
                }
                "AWSOrganizationsNotInUseException" => AwsError::NotInOrganization,
                "LimitExceededException"
                | "TooManyRequestsException"
                | "ThrottlingException"
                | "Throttling"
                | "RequestLimitExceeded" => AwsError::Throttled { operation },
                _ => AwsError::Other { operation, message },
            }
        }
        _ if message.contains("credentials") => AwsError::NoCredentials,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            AwsError::Unreachable { operation, message }
        }
        _ => AwsError::Other { operation, message },
    }
}

/// SDK configuration from the standard chain (environment, shared files, SSO, assume-role
/// profiles, credential_process) with `--profile` and `--region`, and an operation and
/// attempt timeout on every client (the SDK sets none by default). AWS_ENDPOINT_URL and
/// AWS_ENDPOINT_URL_<SERVICE> are honoured by the SDK itself.
pub async fn load_config(profile: Option<&str>, region: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .operation_timeout(Duration::from_secs(60))
            .operation_attempt_timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .build(),
    );
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_string()));
    }
    loader.load().await
}
