//! The demo's backend: the same executor, re-reads and verification, over the cache's
//! inventory instead of AWS. Nothing leaves the machine; every audit entry says
//! "simulated".

use super::{ActionError, Actions, Applied, Backend, CallError, DryRun};
use crate::domain::findings::ResourceKind;
use crate::domain::inventory::{Bucket, Database, ElasticIp, Instance, Snapshot, Volume};
use crate::domain::remediation::{
    simulated_after, Change, Observed, PlanStep, LIFECYCLE_RULE_PREFIX,
};
use crate::store::Store;
use std::future::{ready, Future};

pub const SIMULATED_IDENTITY: &str = "arn:aws:iam::000000000000:user/demo (simulated)";

/// Test hook: each simulated change takes this many milliseconds, so that tests can
/// interrupt a plan while a change is in flight. Unset, changes are instant.
pub const CALL_DELAY_ENV: &str = "COSTSCOPE_SIMULATED_CALL_DELAY_MS";

pub struct Simulated<'a> {
    pub store: &'a Store,
}

impl<'a> Backend for Simulated<'a> {
    type Actions = SimulatedActions<'a>;

    fn simulated(&self) -> bool {
        true
    }

    fn identity(&self) -> impl Future<Output = Result<String, ActionError>> {
        ready(Ok(SIMULATED_IDENTITY.to_string()))
    }

    fn actions_for(
        &self,
        _account: &str,
        _region: &str,
    ) -> impl Future<Output = Result<SimulatedActions<'a>, ActionError>> {
        ready(Ok(SimulatedActions { store: self.store }))
    }
}

pub struct SimulatedActions<'a> {
    store: &'a Store,
}

fn failed(e: impl std::fmt::Display) -> ActionError {
    ActionError::Failed(e.to_string())
}

fn decode<T: serde::de::DeserializeOwned>(data: &str) -> Result<T, ActionError> {
    serde_json::from_str(data).map_err(failed)
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, ActionError> {
    serde_json::to_string(value).map_err(failed)
}

impl SimulatedActions<'_> {
    fn read(&self, step: &PlanStep) -> Result<Observed, ActionError> {
        let data = self
            .store
            .resource_data(&step.account, step.rule.resource_kind(), &step.resource)
            .map_err(failed)?;
        let Some(data) = data else {
            return Ok(Observed::Missing);
        };
        Ok(match step.rule.kind() {
            ResourceKind::Instance => {
                let instance: Instance = decode(&data)?;
                let recent = instance.cpu_percent.iter().rev().take(2).copied();
                Observed::Instance {
                    recent_cpu_percent: recent.reduce(f64::max),
                    instance,
                    ebs_backed: true,
                    stop_protection: false,
                }
            }
            ResourceKind::Volume => Observed::Volume {
                volume: decode::<Volume>(&data)?,
                modification: None,
            },
            ResourceKind::Snapshot => Observed::Snapshot {
                snapshot: decode::<Snapshot>(&data)?,
                images_complete: true,
            },
            ResourceKind::Bucket => {
                let bucket: Bucket = decode(&data)?;
                let others_transition = bucket.has_transition
                    && !bucket
                        .rules
                        .iter()
                        .any(|r| r.id.starts_with(LIFECYCLE_RULE_PREFIX));
                Observed::Bucket {
                    rules: bucket.rules,
                    has_transition: others_transition,
                }
            }
            ResourceKind::Database => Observed::Database(decode::<Database>(&data)?),
            ResourceKind::Address => Observed::Address(decode::<ElasticIp>(&data)?),
        })
    }

    fn write(&self, step: &PlanStep, after: &Observed) -> Result<(), ActionError> {
        let kind = step.rule.resource_kind();
        let data = match after {
            Observed::Missing => None,
            Observed::Instance { instance, .. } => Some(encode(instance)?),
            Observed::Volume { volume, .. } => Some(encode(volume)?),
            Observed::Snapshot { snapshot, .. } => Some(encode(snapshot)?),
            Observed::Address(address) => Some(encode(address)?),
            Observed::Database(database) => Some(encode(database)?),
            Observed::Bucket { rules, .. } => {
                let current = self
                    .store
                    .resource_data(&step.account, kind, &step.resource)
                    .map_err(failed)?
                    .ok_or_else(|| failed("the bucket is gone"))?;
                let mut bucket: Bucket = decode(&current)?;
                bucket.lifecycle_rules = rules.len();
                // costscope's own rule transitions objects.
                bucket.has_transition = true;
                bucket.rules = rules.clone();
                Some(encode(&bucket)?)
            }
        };
        self.store
            .set_resource_data(&step.account, kind, &step.resource, data.as_deref())
            .map_err(failed)
    }
}

impl Actions for SimulatedActions<'_> {
    fn observe(&self, step: &PlanStep) -> impl Future<Output = Result<Observed, ActionError>> {
        ready(self.read(step))
    }

    fn dry_run(&self, _step: &PlanStep) -> impl Future<Output = Result<DryRun, ActionError>> {
        ready(Ok(DryRun::Permitted))
    }

    async fn apply(
        &self,
        step: &PlanStep,
        before: &Observed,
        _token: &str,
    ) -> Result<Applied, CallError> {
        let delay = std::env::var(CALL_DELAY_ENV)
            .ok()
            .and_then(|ms| ms.parse::<u64>().ok());
        if let Some(ms) = delay {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        let after = simulated_after(step, before);
        self.write(step, &after)?;
        Ok(Applied {
            request_id: Some(format!("simulated-{}", step.resource)),
            detail: format!("simulated: {}", step.api_calls().join("; ")),
            created: matches!(step.change, Change::SnapshotThenDeleteVolume)
                .then(|| format!("snap-simulated-{}", step.resource)),
        })
    }
}
