//! Who carries out a plan: the demo's simulation, or AWS through the apply profile.
//! Shared by `costscope apply` and the TUI, so both run exactly the same way.

use crate::aws::remediation::AwsBackend;
use crate::aws::Connect;
use crate::domain::audit::AuditEntry;
use crate::domain::remediation::Plan;
use crate::remediate::simulated::{Simulated, SIMULATED_IDENTITY};
use crate::remediate::{
    apply_plan, reverify, write_access, Access, Acting, ApplyError, ApplyEvent, ApplyRequest,
    ApplySummary, Backend, Reverified, StopRequest, WriteAccess,
};
use crate::store::{AuditLog, Store};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum Applier {
    /// The demo: changes land in the cache's inventory only.
    Simulated,
    /// AWS, as the identity of `connect`, assuming `role_name` in other accounts.
    Aws { connect: Connect, role_name: String },
}

/// A confirmed plan to run against a cache.
pub struct Job {
    pub cache: PathBuf,
    pub plan: Plan,
    /// The identity the confirmation showed; the run refuses to act as anyone else.
    pub identity: String,
    pub stop_on_error: bool,
    /// Set to stop the plan after the step in flight.
    pub stop: Arc<StopRequest>,
}

impl Applier {
    pub fn is_simulated(&self) -> bool {
        matches!(self, Applier::Simulated)
    }

    /// Who applies, and who acts in each of `accounts` (AssumeRole into each member
    /// account, as the run will), for the confirmation.
    pub async fn acting(&self, access: Access, accounts: &[String]) -> Result<Acting, ApplyError> {
        let write = write_access(access)?;
        match self {
            Applier::Simulated => Ok(Acting {
                caller: SIMULATED_IDENTITY.to_string(),
                accounts: accounts
                    .iter()
                    .map(|a| (a.clone(), Ok(SIMULATED_IDENTITY.to_string())))
                    .collect(),
            }),
            Applier::Aws { connect, role_name } => {
                acting(&aws_backend(connect, role_name, write).await?, accounts).await
            }
        }
    }

    /// Runs a confirmed plan; audit entries and finding updates go to `job.cache`.
    pub async fn run(
        &self,
        access: Access,
        job: &Job,
        progress: &mut dyn FnMut(ApplyEvent),
    ) -> Result<ApplySummary, ApplyError> {
        let write = write_access(access)?;
        let store = Store::open(&job.cache)?;
        let audit = AuditLog::open_for(&store)?;
        let request = ApplyRequest {
            plan: &job.plan,
            identity: &job.identity,
            stop_on_error: job.stop_on_error,
            stop: Some(&job.stop),
        };
        match self {
            Applier::Simulated => {
                let backend = Simulated { store: &store };
                apply_plan(&backend, &store, &audit, access, &request, progress).await
            }
            Applier::Aws { connect, role_name } => {
                let backend = aws_backend(connect, role_name, write).await?;
                let acting = backend
                    .identity()
                    .await
                    .map_err(|e| ApplyError::Identity(e.to_string()))?;
                if acting != job.identity {
                    return Err(ApplyError::Identity(format!(
                        "the credentials now belong to {acting}, not {} as confirmed; nothing was applied",
                        job.identity
                    )));
                }
                apply_plan(&backend, &store, &audit, access, &request, progress).await
            }
        }
    }

    /// Re-reads every step the audit log of `cache` still has pending, and closes what
    /// the re-read settles.
    pub async fn reverify(
        &self,
        access: Access,
        cache: &std::path::Path,
    ) -> Result<Vec<(AuditEntry, Reverified)>, ApplyError> {
        let write = write_access(access)?;
        let store = Store::open(cache)?;
        let audit = AuditLog::open_for(&store)?;
        match self {
            Applier::Simulated => {
                reverify(&Simulated { store: &store }, &store, &audit, access).await
            }
            Applier::Aws { connect, role_name } => {
                let backend = aws_backend(connect, role_name, write).await?;
                reverify(&backend, &store, &audit, access).await
            }
        }
    }
}

async fn acting<B: Backend>(backend: &B, accounts: &[String]) -> Result<Acting, ApplyError> {
    let caller = backend
        .identity()
        .await
        .map_err(|e| ApplyError::Identity(e.to_string()))?;
    let mut acting = Vec::new();
    for account in accounts {
        let who = backend
            .acting_identity(account)
            .await
            .map_err(|e| e.to_string());
        acting.push((account.clone(), who));
    }
    Ok(Acting {
        caller,
        accounts: acting,
    })
}

/// Signs in as the apply identity (GetCallerIdentity), ready to act.
async fn aws_backend(
    connect: &Connect,
    role_name: &str,
    write: WriteAccess,
) -> Result<AwsBackend, ApplyError> {
    let config = connect
        .config()
        .await
        .map_err(|e| ApplyError::Identity(e.to_string()))?;
    AwsBackend::connect(config, role_name, write)
        .await
        .map_err(|e| ApplyError::Identity(e.to_string()))
}
