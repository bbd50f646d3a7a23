//! Who is signed in: the account (STS GetCallerIdentity, which needs no permission) and
//! its organization (Organizations DescribeOrganization, allowed to any member).

use super::{map_error, SourceError};
use crate::domain::sources::Identity;

pub async fn caller_account(sts: &aws_sdk_sts::Client) -> Result<String, SourceError> {
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| map_error("GetCallerIdentity", e))?;
    out.account()
        .map(str::to_string)
        .ok_or(SourceError::BadResponse {
            operation: "GetCallerIdentity",
            message: "no account in the answer".into(),
        })
}

/// `Ok(None)` when the account is in no organization.
pub async fn organization_of_caller(
    organizations: &aws_sdk_organizations::Client,
) -> Result<Option<(String, String)>, SourceError> {
    let op = "DescribeOrganization";
    match organizations.describe_organization().send().await {
        Ok(out) => {
            let org = out.organization().ok_or(SourceError::BadResponse {
                operation: op,
                message: "no organization in the answer".into(),
            })?;
            Ok(Some((
                org.id().unwrap_or_default().to_string(),
                org.master_account_id().unwrap_or_default().to_string(),
            )))
        }
        Err(e) => match map_error(op, e) {
            SourceError::NotInOrganization => Ok(None),
            other => Err(other),
        },
    }
}

/// Both, in that order. Credentials and network failures end here; anything else about
/// the organization is kept as the reason it is unknown.
pub async fn identify(
    sts: &aws_sdk_sts::Client,
    organizations: &aws_sdk_organizations::Client,
) -> Result<Identity, SourceError> {
    let account_id = caller_account(sts).await?;
    let (organization, organization_unreadable) = match organization_of_caller(organizations).await
    {
        Ok(org) => (org, None),
        Err(e) if e.is_credentials() || e.is_offline() => return Err(e),
        Err(e) => (None, Some(e)),
    };
    Ok(Identity {
        account_id,
        organization,
        organization_unreadable,
    })
}
