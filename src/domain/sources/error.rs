//! Why a source could not be read, in the terms the jobs act on: denied (that account or
//! unit is partial, the rest goes on), throttled, offline (the cache is all there is) or
//! credentials (nothing can succeed until the user fixes them). The AWS adapters map
//! every SDK error to one of these; the messages say what to do.

/// What went wrong reading a source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
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
    #[error("the AWS SSO session has expired: run `aws sso login` (with --profile if you use one) and try again")]
    SsoExpired,
    #[error("the AWS credentials have expired ({message}): refresh them (`aws sso login`, a new session token, or your credential_process) and try again")]
    CredentialsExpired { message: String },
    #[error("AWS does not recognise these credentials ({message}): check AWS_PROFILE / --profile and the access key")]
    InvalidCredentials { message: String },
    #[error("{message}")]
    CredentialHelper { message: String },
    #[error("the AWS profile {profile} needs an MFA code (mfa_serial), and costscope never prompts for one (the TUI owns the terminal): get temporary credentials first (`aws sts get-session-token`, aws-vault, or `aws sso login`) into a profile without mfa_serial, and pass it with --profile")]
    NeedsMfa { profile: String },
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

impl SourceError {
    /// Whether the network (not AWS) failed: the cache is then all there is.
    pub fn is_offline(&self) -> bool {
        matches!(self, SourceError::Unreachable { .. })
    }

    /// Whether no request can succeed until the user fixes their credentials.
    pub fn is_credentials(&self) -> bool {
        matches!(
            self,
            SourceError::NoCredentials
                | SourceError::SsoExpired
                | SourceError::CredentialsExpired { .. }
                | SourceError::InvalidCredentials { .. }
                | SourceError::NeedsMfa { .. }
                | SourceError::CredentialHelper { .. }
        )
    }
}
