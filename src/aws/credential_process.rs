//! A profile's `credential_process`, run with no terminal: in a session of its own
//! (setsid, so /dev/tty cannot be opened) with stdin closed. A helper that would prompt
//! fails at once with a message naming the profile, instead of writing to the terminal
//! the TUI owns. Credentials stay in memory only.

use aws_credential_types::provider::{self, error::CredentialsError, ProvideCredentials};
use aws_credential_types::Credentials;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

/// How long a credential helper may take before it counts as waiting for a person.
const PATIENCE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct DetachedProcess {
    pub profile: String,
    /// Never logged: it may carry arguments the user considers private.
    pub command: String,
}

/// What a credential_process prints (the AWS CLI's documented format).
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Printed {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiration: Option<String>,
}

impl DetachedProcess {
    fn refused(&self, why: String) -> CredentialsError {
        CredentialsError::provider_error(format!(
            "the credential_process of AWS profile {} {why}; costscope never lets it prompt (the TUI owns the terminal): run it once in a terminal (or log in) so it answers without asking, then try again",
            self.profile
        ))
    }

    async fn run(&self) -> provider::Result {
        let mut command = std::process::Command::new("sh");
        command
            .args(["-c", &self.command])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: setsid is async-signal-safe and touches no memory of this process; a
        // new session has no controlling terminal, so the helper cannot open /dev/tty.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut command = tokio::process::Command::from(command);
        command.kill_on_drop(true);
        let child = command
            .spawn()
            .map_err(|e| self.refused(format!("could not start ({e})")))?;
        let output = tokio::time::timeout(PATIENCE, child.wait_with_output())
            .await
            .map_err(|_| self.refused(format!("gave no answer in {} s", PATIENCE.as_secs())))?
            .map_err(|e| self.refused(format!("failed ({e})")))?;
        if !output.status.success() {
            let said = String::from_utf8_lossy(&output.stderr);
            let said = said.lines().next().unwrap_or("").trim().to_string();
            return Err(self.refused(format!("exited with {} ({said})", output.status)));
        }
        let printed: Printed = serde_json::from_slice(&output.stdout).map_err(|e| {
            self.refused(format!("printed no credentials costscope can read ({e})"))
        })?;
        let expiry = printed
            .expiration
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .and_then(|t| u64::try_from(t.timestamp()).ok())
            .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        Ok(Credentials::new(
            printed.access_key_id,
            printed.secret_access_key,
            printed.session_token,
            expiry,
            "costscope-credential-process",
        ))
    }
}

impl ProvideCredentials for DetachedProcess {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.run())
    }
}
