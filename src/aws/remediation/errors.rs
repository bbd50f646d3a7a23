//! How a call's failure reads to the executor: denied, failed (with AWS's request id),
//! or an unknown outcome (a timeout, a lost connection, a server error), which is
//! re-read and never resent.

use super::super::{map_error, SourceError};
use crate::remediate::{ActionError, CallError, DryRun};
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::RequestId;

/// A failed call as the executor needs it: denied, unknown outcome, or failed. A
/// timeout, a lost connection, an unreadable answer or a server error (5xx) leaves the
/// outcome unknown: AWS may have made the change.
pub(super) fn action_error<E>(
    operation: &'static str,
    err: SdkError<E, HttpResponse>,
) -> ActionError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let server_error = err
        .raw_response()
        .is_some_and(|r| r.status().is_server_error());
    let unknown = server_error
        || matches!(
            err,
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
        );
    if unknown {
        return ActionError::UnknownOutcome(format!("{operation}: {}", DisplayErrorContext(&err)));
    }
    match map_error(operation, err) {
        SourceError::AccessDenied { operation, message } => {
            ActionError::AccessDenied(format!("{operation}: {message}"))
        }
        other => ActionError::Failed(other.to_string()),
    }
}

/// A failed mutating call, with the request id AWS gave it: from the error's metadata
/// or the response headers, else from an EC2 error body's `<RequestID>` (which the
/// SDK does not lift into the metadata).
pub(super) fn call_error<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let request_id = err
        .as_service_error()
        .and_then(|e| e.meta().request_id())
        .or_else(|| err.request_id())
        .map(str::to_string)
        .or_else(|| {
            let body = err.raw_response()?.body().bytes()?;
            let text = std::str::from_utf8(body).ok()?;
            let start = text.find("<RequestID>")? + "<RequestID>".len();
            let end = start + text[start..].find("</RequestID>")?;
            Some(text[start..end].trim().to_string())
        });
    CallError {
        error: action_error(operation, err),
        request_id,
    }
}

pub(super) fn is_not_found(code: Option<&str>) -> bool {
    code.is_some_and(|c| {
        c.ends_with(".NotFound")
            || matches!(
                c,
                "DBInstanceNotFound" | "DBInstanceNotFoundFault" | "NoSuchBucket"
            )
    })
}

/// An EC2 call sent with DryRun=true: DryRunOperation is the "yes".
pub(super) fn dry_run_answer<T, E>(
    operation: &'static str,
    result: Result<T, SdkError<E, HttpResponse>>,
) -> Result<DryRun, ActionError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Err(e) if e.code() == Some("DryRunOperation") => Ok(DryRun::Permitted),
        Err(e) if e.code() == Some("UnauthorizedOperation") => Ok(DryRun::Unauthorized(
            e.message().unwrap_or("no message").to_string(),
        )),
        Err(e) => Err(action_error(operation, e)),
        Ok(_) => Err(ActionError::Failed(format!(
            "{operation} answered a dry run as if it had run; stopping this step"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::error::ErrorMetadata;
    use aws_sdk_ec2::operation::release_address::ReleaseAddressError;
    use aws_smithy_types::body::SdkBody;

    fn answered(status: u16, code: &str) -> SdkError<ReleaseAddressError, HttpResponse> {
        SdkError::service_error(
            ReleaseAddressError::generic(ErrorMetadata::builder().code(code).build()),
            HttpResponse::new(status.try_into().unwrap(), SdkBody::empty()),
        )
    }

    #[test]
    fn only_a_definite_refusal_is_a_failure_anything_else_is_an_unknown_outcome() {
        let timeout: SdkError<ReleaseAddressError, HttpResponse> =
            SdkError::timeout_error("attempt timeout");
        assert!(matches!(
            action_error("ReleaseAddress", timeout),
            ActionError::UnknownOutcome(_)
        ));
        assert!(matches!(
            action_error("ReleaseAddress", answered(500, "InternalError")),
            ActionError::UnknownOutcome(_)
        ));
        assert!(matches!(
            action_error("ReleaseAddress", answered(503, "Unavailable")),
            ActionError::UnknownOutcome(_)
        ));
        assert!(matches!(
            action_error(
                "ReleaseAddress",
                answered(400, "InvalidAllocationID.NotFound")
            ),
            ActionError::Failed(_)
        ));
        assert!(matches!(
            action_error("ReleaseAddress", answered(403, "UnauthorizedOperation")),
            ActionError::AccessDenied(_)
        ));
    }
}
