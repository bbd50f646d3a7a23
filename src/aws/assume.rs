//! Reaching a member account: sts:AssumeRole into `arn:aws:iam::<account>:role/<name>`,
//! then an SDK configuration that uses the role's temporary credentials. The signed-in
//! account itself keeps its own credentials.

use super::{map_error, Meter, SourceError};
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};

/// Session name of scans, shown in the member account's CloudTrail.
pub const SESSION_NAME: &str = "costscope-scan";

/// How the organization's accounts are reached: the signed-in configuration, and the
/// role assumed (under `session_name`, shown in CloudTrail) in every other account.
#[derive(Debug, Clone)]
pub struct Reach {
    pub sts: aws_sdk_sts::Client,
    pub base: aws_config::SdkConfig,
    pub signed_in: String,
    pub role_name: String,
    pub session_name: &'static str,
}

impl Reach {
    /// The configuration to use for `account`: `base` for the signed-in account, the
    /// assumed role's credentials for any other. Credentials live only in memory.
    pub async fn config_for(
        &self,
        account: &str,
        meter: &mut Meter,
    ) -> Result<aws_config::SdkConfig, SourceError> {
        if account == self.signed_in {
            return Ok(self.base.clone());
        }
        Ok(self.assume(account, meter).await?.config)
    }

    /// sts:AssumeRole into `account`'s role.
    pub async fn assume(&self, account: &str, meter: &mut Meter) -> Result<Assumed, SourceError> {
        assume(
            &self.sts,
            &self.base,
            account,
            &self.role_name,
            self.session_name,
            meter,
        )
        .await
    }
}

/// A member account reached through its role: the configuration with the role's
/// temporary credentials, and the ARN of the assumed role (the identity that acts).
pub struct Assumed {
    pub config: aws_config::SdkConfig,
    pub arn: String,
}

/// sts:AssumeRole into `account`'s `role_name`.
async fn assume(
    sts: &aws_sdk_sts::Client,
    base: &aws_config::SdkConfig,
    account: &str,
    role_name: &str,
    session_name: &str,
    meter: &mut Meter,
) -> Result<Assumed, SourceError> {
    meter.pace("sts").await;
    meter.tally.add("sts", "AssumeRole", 1, 0);
    let out = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/{role_name}"))
        .role_session_name(session_name)
        .send()
        .await
        .map_err(|e| map_error("AssumeRole", e))?;
    let creds = out.credentials().ok_or(SourceError::BadResponse {
        operation: "AssumeRole",
        message: "no credentials in the answer".into(),
    })?;
    let expiry = std::time::UNIX_EPOCH
        + std::time::Duration::from_secs(u64::try_from(creds.expiration().secs()).unwrap_or(0));
    let provider = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_string()),
        Some(expiry),
        "costscope-assume-role",
    );
    Ok(Assumed {
        config: base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build(),
        arn: out
            .assumed_role_user()
            .map(|u| u.arn().to_string())
            .unwrap_or_else(|| format!("arn:aws:iam::{account}:role/{role_name} (assumed)")),
    })
}
