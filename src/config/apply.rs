//! The `[apply]` table of `config.toml`.

use super::values::Located;
use super::ConfigError;
use serde::Deserialize;

/// The `[apply]` table: who applies remediations and how strongly they are confirmed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawApply {
    read_only: Option<bool>,
    profile: Option<String>,
    typed_confirmation_over: Option<toml::Spanned<u32>>,
    protected_accounts: Option<Vec<toml::Spanned<String>>>,
    stop_on_error: Option<bool>,
    allow_auto_scaling: Option<bool>,
}

/// How remediations are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplySettings {
    /// Nothing can be applied (the --read-only flag sets it too).
    pub read_only: bool,
    /// The AWS profile that applies; reading uses --profile or the standard chain.
    pub profile: Option<String>,
    /// Plans touching more resources than this need the count typed.
    pub typed_confirmation_over: u32,
    /// Account ids whose changes need the account's name typed.
    pub protected_accounts: Vec<String>,
    /// Stop a plan at its first failed step.
    pub stop_on_error: bool,
    /// Offer to stop instances of Auto Scaling groups.
    pub allow_auto_scaling: bool,
}

pub const DEFAULT_TYPED_CONFIRMATION_OVER: u32 = 5;

impl Default for ApplySettings {
    fn default() -> Self {
        ApplySettings {
            read_only: false,
            profile: None,
            typed_confirmation_over: DEFAULT_TYPED_CONFIRMATION_OVER,
            protected_accounts: Vec::new(),
            stop_on_error: false,
            allow_auto_scaling: false,
        }
    }
}

impl ApplySettings {
    pub(super) fn parse(at: Located, raw: Option<RawApply>) -> Result<ApplySettings, ConfigError> {
        let d = ApplySettings::default();
        let Some(raw) = raw else { return Ok(d) };
        Ok(ApplySettings {
            read_only: raw.read_only.unwrap_or(d.read_only),
            profile: raw.profile.filter(|p| !p.is_empty()),
            typed_confirmation_over: at.within(
                raw.typed_confirmation_over,
                0..=10_000,
                d.typed_confirmation_over,
            )?,
            protected_accounts: account_ids(at, raw.protected_accounts.unwrap_or_default())?,
            stop_on_error: raw.stop_on_error.unwrap_or(d.stop_on_error),
            allow_auto_scaling: raw.allow_auto_scaling.unwrap_or(d.allow_auto_scaling),
        })
    }
}

/// Account ids as the config gives them: 12 digits each, or the entry is named.
fn account_ids(at: Located, ids: Vec<toml::Spanned<String>>) -> Result<Vec<String>, ConfigError> {
    ids.into_iter()
        .map(|id| {
            let text = id.get_ref().trim();
            if crate::domain::org::is_account_id(text) {
                Ok(text.to_string())
            } else {
                Err(ConfigError::at(
                    at.file,
                    at.text,
                    id.span().start,
                    format!("`{}` is not a 12-digit account id", id.get_ref()),
                ))
            }
        })
        .collect()
}
