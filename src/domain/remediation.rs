//! Remediation plans: which change each finding calls for, what it needs to still be
//! true before it runs, how to tell it worked, and how strongly a plan must be
//! confirmed. Pure: the executor (src/remediate) runs plans; src/aws makes the calls.

use super::findings::{FindingStatus, Rule, Saving, SavingsTotal, TrackedFinding};
use super::inventory::{Bucket, Database, Instance, LifecycleRuleSeen, Volume};
use super::rules::{gp2_performance, Thresholds};
use serde::{Deserialize, Serialize};

mod checks;
mod facts;
pub use checks::{
    others_of, shows_change, shows_no_change, simulated_after, still_applies, Observed,
};

/// The id prefix of lifecycle rules costscope writes; rules with other ids are never
/// touched.
pub const LIFECYCLE_RULE_PREFIX: &str = "costscope-";
pub const LIFECYCLE_RULE_ID: &str = "costscope-tiering";

/// One change to AWS, with every parameter it will be called with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Change {
    /// Stop an idle instance; refused if it looks busy again (daily average CPU at or
    /// above this) when re-read, or if it is in an Auto Scaling group and the operator
    /// did not allow that.
    StopInstance {
        busy_cpu_percent: f64,
        #[serde(default)]
        allow_auto_scaling: bool,
    },
    ModifyVolumeToGp3 {
        iops: i64,
        throughput_mibps: i64,
    },
    /// Snapshot the volume, wait for the snapshot, then delete the volume.
    SnapshotThenDeleteVolume,
    DeleteSnapshot,
    /// Add (or replace) costscope's own lifecycle rule; `other_rules` are the bucket's
    /// other rules as the scan read them (any difference at apply time means it changed).
    AddLifecycleTransition {
        rule_id: String,
        ia_after_days: u32,
        glacier_ir_after_days: u32,
        other_rules: Vec<LifecycleRuleSeen>,
    },
    StopDatabase,
    /// Delete with a final snapshot: an explicit choice, never the default.
    DeleteDatabase {
        final_snapshot: String,
    },
    ReleaseAddress,
}

impl Change {
    /// Whether it destroys something (a volume, snapshot, database or address).
    pub fn deletes(&self) -> bool {
        matches!(
            self,
            Change::SnapshotThenDeleteVolume
                | Change::DeleteSnapshot
                | Change::DeleteDatabase { .. }
                | Change::ReleaseAddress
        )
    }

    pub fn verb(&self) -> &'static str {
        match self {
            Change::StopInstance { .. } => "stop instance",
            Change::ModifyVolumeToGp3 { .. } => "modify volume to gp3",
            Change::SnapshotThenDeleteVolume => "snapshot, then delete volume",
            Change::DeleteSnapshot => "delete snapshot",
            Change::AddLifecycleTransition { .. } => "add lifecycle transition",
            Change::StopDatabase => "stop DB instance",
            Change::DeleteDatabase { .. } => "delete DB instance (final snapshot)",
            Change::ReleaseAddress => "release Elastic IP",
        }
    }

    /// Whether AWS offers a dry run of it (EC2 does; S3 and RDS do not).
    pub fn has_dry_run(&self) -> bool {
        !matches!(
            self,
            Change::AddLifecycleTransition { .. }
                | Change::StopDatabase
                | Change::DeleteDatabase { .. }
        )
    }
}

/// One step of a plan: a finding and the change that fixes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    pub finding_id: i64,
    pub rule: Rule,
    pub account: String,
    pub account_name: String,
    pub region: String,
    pub resource: String,
    pub label: String,
    pub change: Change,
    pub saving: Saving,
}

impl PlanStep {
    /// The AWS calls with their exact parameters, as the executor makes them.
    pub fn api_calls(&self) -> Vec<String> {
        let r = &self.resource;
        match &self.change {
            Change::StopInstance { .. } => vec![format!("ec2:StopInstances InstanceIds=[{r}]")],
            Change::ModifyVolumeToGp3 {
                iops,
                throughput_mibps,
            } => vec![format!(
                "ec2:ModifyVolume VolumeId={r} VolumeType=gp3 Iops={iops} Throughput={throughput_mibps}"
            )],
            Change::SnapshotThenDeleteVolume => vec![
                format!("ec2:CreateSnapshot VolumeId={r} Description=\"costscope: before deleting {r}\""),
                format!("ec2:DeleteVolume VolumeId={r} (once the snapshot is completed)"),
            ],
            Change::DeleteSnapshot => vec![format!("ec2:DeleteSnapshot SnapshotId={r}")],
            Change::AddLifecycleTransition {
                rule_id,
                ia_after_days,
                glacier_ir_after_days,
                ..
            } => vec![
                format!("s3:GetBucketLifecycleConfiguration Bucket={r}"),
                format!(
                    "s3:PutBucketLifecycleConfiguration Bucket={r}: every existing rule kept, plus ID={rule_id} Filter=whole bucket Transitions=[{ia_after_days} d STANDARD_IA, {glacier_ir_after_days} d GLACIER_IR]"
                ),
            ],
            Change::StopDatabase => {
                vec![format!("rds:StopDBInstance DBInstanceIdentifier={r}")]
            }
            Change::DeleteDatabase { final_snapshot } => vec![format!(
                "rds:DeleteDBInstance DBInstanceIdentifier={r} FinalDBSnapshotIdentifier={final_snapshot}"
            )],
            Change::ReleaseAddress => vec![format!("ec2:ReleaseAddress AllocationId={r}")],
        }
    }

    /// What is re-read and must still hold just before the call.
    pub fn checks(&self) -> Vec<&'static str> {
        let mut checks = match &self.change {
            Change::StopInstance { .. } => vec![
                "still running, EBS-backed, not Spot, not in an Auto Scaling group",
                "stop protection off",
                "still idle (CPU of the last 2 days)",
            ],
            Change::ModifyVolumeToGp3 { .. } => {
                vec!["still gp2", "no earlier modification in progress"]
            }
            Change::SnapshotThenDeleteVolume => vec!["still available (attached to nothing)"],
            Change::DeleteSnapshot => vec!["still used by no AMI (every AMI of the region read)"],
            Change::AddLifecycleTransition { .. } => vec![
                "the lifecycle configuration has the rules it had at the scan",
                "no transition rule added since",
            ],
            Change::StopDatabase => vec![
                "status available",
                "not Aurora, not a read replica or a source of one, not Multi-AZ SQL Server",
            ],
            Change::DeleteDatabase { .. } => vec!["status available or stopped"],
            Change::ReleaseAddress => vec!["still not associated"],
        };
        if self.change.has_dry_run() {
            checks.push("EC2 dry run: this identity is permitted");
        }
        checks
    }

    /// How to undo it once applied, naming what the call made (the snapshot taken
    /// before a volume is deleted) when it is known.
    pub fn undo_after(&self, created: Option<&str>) -> Option<String> {
        match (&self.change, created) {
            (Change::SnapshotThenDeleteVolume, Some(snapshot)) => Some(format!(
                "aws ec2 create-volume --region {} --snapshot-id {snapshot} --availability-zone <the volume's zone>",
                self.region
            )),
            _ => self.undo(),
        }
    }

    /// How to undo it, or None when it cannot be undone.
    pub fn undo(&self) -> Option<String> {
        let r = &self.resource;
        let region = &self.region;
        match &self.change {
            Change::StopInstance { .. } => Some(format!(
                "aws ec2 start-instances --region {region} --instance-ids {r}"
            )),
            Change::ModifyVolumeToGp3 { .. } => Some(format!(
                "after 6 hours: aws ec2 modify-volume --region {region} --volume-id {r} --volume-type gp2"
            )),
            Change::SnapshotThenDeleteVolume => Some(format!(
                "restore from the snapshot taken first: aws ec2 create-volume --region {region} --snapshot-id <snapshot in the audit log> --availability-zone <zone>"
            )),
            Change::AddLifecycleTransition { rule_id, .. } => Some(format!(
                "remove rule {rule_id} from the bucket's lifecycle configuration (objects already moved stay in their class)"
            )),
            Change::StopDatabase => Some(format!(
                "aws rds start-db-instance --region {region} --db-instance-identifier {r}"
            )),
            Change::DeleteDatabase { final_snapshot } => Some(format!(
                "aws rds restore-db-instance-from-db-snapshot --region {region} --db-instance-identifier {r} --db-snapshot-identifier {final_snapshot}"
            )),
            Change::DeleteSnapshot | Change::ReleaseAddress => None,
        }
    }

    /// What the operator should know beyond the saving.
    pub fn notes(&self) -> Option<&'static str> {
        match &self.change {
            Change::StopInstance { .. } => {
                Some("its EBS volumes and Elastic IPs keep billing while it is stopped")
            }
            Change::StopDatabase => {
                Some("AWS starts a stopped DB instance again after 7 days; storage keeps billing")
            }
            Change::ModifyVolumeToGp3 { .. } => {
                Some("a volume can be modified again only after 6 hours")
            }
            Change::ReleaseAddress => {
                Some("a released address can rarely be recovered; anything pointing at it breaks")
            }
            _ => None,
        }
    }
}

/// A finding the plan leaves out, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub finding_id: i64,
    pub resource: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub steps: Vec<PlanStep>,
    pub refused: Vec<Refusal>,
}

/// A plan as `--save-plan` writes it: the plan and a digest of exactly what was shown,
/// so that a file edited since is refused rather than run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub costscope_plan: u32,
    pub digest: String,
    pub plan: Plan,
}

impl SavedPlan {
    const FORMAT: u32 = 1;

    fn digest(plan: &Plan) -> Result<String, String> {
        use sha2::{Digest, Sha256};
        let canonical = serde_json::to_string(plan).map_err(|e| e.to_string())?;
        Ok(hex::encode(Sha256::digest(canonical.as_bytes())))
    }

    /// The file's text for `plan`.
    pub fn seal(plan: &Plan) -> Result<String, String> {
        let saved = SavedPlan {
            costscope_plan: SavedPlan::FORMAT,
            digest: SavedPlan::digest(plan)?,
            plan: plan.clone(),
        };
        serde_json::to_string_pretty(&saved).map_err(|e| e.to_string())
    }

    /// The plan in `text`, if it is exactly what was saved.
    pub fn open(text: &str) -> Result<Plan, String> {
        let saved: SavedPlan = serde_json::from_str(text)
            .map_err(|e| format!("not a plan saved by `costscope apply --save-plan` ({e})"))?;
        if saved.costscope_plan != SavedPlan::FORMAT {
            return Err(format!(
                "plan format {} is not one this costscope reads (it reads {})",
                saved.costscope_plan,
                SavedPlan::FORMAT
            ));
        }
        if SavedPlan::digest(&saved.plan)? != saved.digest {
            return Err(
                "the plan was changed after it was saved (its digest does not match); nothing was applied: save it again with --save-plan".into(),
            );
        }
        Ok(saved.plan)
    }
}

/// How a plan must be confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Move to Apply and press Enter.
    Press,
    /// Type this text first (an account name, or the number of resources).
    Type { text: String, why: String },
}

/// What makes a confirmation stronger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfirmPolicy {
    /// Plans touching more resources than this need the count typed.
    pub typed_over: usize,
    /// Accounts whose changes need their name typed.
    pub protected_accounts: Vec<String>,
}

impl Plan {
    /// "$412.00/mo + up to $80.00/mo; 2 with unknown saving": what the plan saves, firm
    /// estimates and upper bounds apart.
    pub fn saving_label(&self) -> String {
        match SavingsTotal::of(self.steps.iter().map(|s| &s.saving)) {
            Ok(total) => total.per_month_label(),
            Err(e) => e.to_string(),
        }
    }

    pub fn accounts(&self) -> Vec<&str> {
        let mut accounts: Vec<&str> = self.steps.iter().map(|s| s.account.as_str()).collect();
        accounts.sort_unstable();
        accounts.dedup();
        accounts
    }

    pub fn confirmation(&self, policy: &ConfirmPolicy) -> Confirmation {
        let protected: Vec<&PlanStep> = self
            .steps
            .iter()
            .filter(|s| policy.protected_accounts.contains(&s.account))
            .collect();
        let protected_names = {
            let mut names: Vec<&str> = protected.iter().map(|s| s.account_name.as_str()).collect();
            names.dedup();
            names
        };
        let count = self.steps.len().to_string();
        if let [name] = protected_names.as_slice() {
            return Confirmation::Type {
                text: (*name).to_string(),
                why: format!("it touches the protected account {name}"),
            };
        }
        let why = if protected_names.len() > 1 {
            Some("it touches several protected accounts".to_string())
        } else if self.steps.iter().any(|s| s.change.deletes()) {
            Some("it deletes or releases something".to_string())
        } else if self.steps.len() > policy.typed_over {
            Some(format!(
                "it touches more than {} resources",
                policy.typed_over
            ))
        } else {
            None
        };
        match why {
            Some(why) => Confirmation::Type { text: count, why },
            None => Confirmation::Press,
        }
    }
}

/// What building a plan needs besides the findings.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub thresholds: Thresholds,
    /// Idle RDS: snapshot and delete rather than stop.
    pub delete_databases: bool,
    /// Stop instances of Auto Scaling groups too (the group may start a replacement).
    pub allow_auto_scaling: bool,
    /// For names that must be unique (final DB snapshots): e.g. 20261123-1405.
    pub stamp: String,
}

/// One finding to plan, with the resource as the last scan recorded it (JSON) and the
/// account's name.
pub struct PlanInput<'a> {
    pub finding: &'a TrackedFinding,
    pub resource: Option<&'a str>,
    pub account_name: String,
}

/// One step per finding; a finding whose resource another finding of the plan changes
/// with a larger saving is refused (converting a volume, then deleting it, is no plan).
pub fn build_plan(inputs: &[PlanInput], options: &PlanOptions) -> Plan {
    let mut plan = Plan::default();
    let alternatives =
        crate::domain::alternatives::Alternatives::among(inputs.iter().map(|i| i.finding));
    for input in inputs {
        let t = input.finding;
        let f = &t.finding;
        let planned = match alternatives.instead_of(t.id) {
            Some(other) => Err(format!(
                "finding {other} of this plan changes the same resource and saves more; one change per resource"
            )),
            None => plan_change(input, options),
        };
        match planned {
            Ok(change) => plan.steps.push(PlanStep {
                finding_id: t.id,
                rule: f.rule,
                account: f.account.clone(),
                account_name: input.account_name.clone(),
                region: f.region.clone(),
                resource: f.resource.clone(),
                label: f.label.clone(),
                change,
                saving: f.saving.clone(),
            }),
            Err(reason) => plan.refused.push(Refusal {
                finding_id: t.id,
                resource: f.resource.clone(),
                reason,
            }),
        }
    }
    plan
}

fn parse<T: serde::de::DeserializeOwned>(data: Option<&str>) -> Result<T, String> {
    let data = data.ok_or("the scan's record of this resource is not in the cache: rescan")?;
    serde_json::from_str(data)
        .map_err(|_| "the cached record of this resource cannot be read: rescan".to_string())
}

fn plan_change(input: &PlanInput, options: &PlanOptions) -> Result<Change, String> {
    let t = input.finding;
    if t.status != FindingStatus::Open {
        return Err(format!("the finding is {}", t.status.name()));
    }
    let data = input.resource;
    match t.finding.rule {
        Rule::IdleEc2 => {
            let i: Instance = parse(data)?;
            if i.spot {
                return Err("a Spot instance: stopping it is not offered".into());
            }
            if i.auto_scaling_group.is_some() && !options.allow_auto_scaling {
                return Err(
                    "in an Auto Scaling group, which would replace it (set [apply] allow_auto_scaling to allow)"
                        .into(),
                );
            }
            Ok(Change::StopInstance {
                busy_cpu_percent: options.thresholds.idle_cpu_percent,
                allow_auto_scaling: options.allow_auto_scaling,
            })
        }
        Rule::Gp2Volume => {
            let v: Volume = parse(data)?;
            let (iops, throughput_mibps) = gp2_performance(v.size_gib);
            Ok(Change::ModifyVolumeToGp3 {
                iops,
                throughput_mibps,
            })
        }
        Rule::UnattachedVolume => Ok(Change::SnapshotThenDeleteVolume),
        Rule::OldSnapshot => Ok(Change::DeleteSnapshot),
        Rule::S3Tiering => {
            let b: Bucket = parse(data)?;
            Ok(Change::AddLifecycleTransition {
                rule_id: LIFECYCLE_RULE_ID.to_string(),
                ia_after_days: options.thresholds.s3_ia_after_days,
                glacier_ir_after_days: options.thresholds.s3_glacier_ir_after_days,
                other_rules: others_of(&b.rules),
            })
        }
        Rule::IdleRds => {
            let d: Database = parse(data)?;
            if options.delete_databases {
                return Ok(Change::DeleteDatabase {
                    final_snapshot: format!("costscope-final-{}-{}", d.id, options.stamp),
                });
            }
            database_stoppable(&d)?;
            Ok(Change::StopDatabase)
        }
        Rule::UnassociatedEip => Ok(Change::ReleaseAddress),
    }
}

fn database_stoppable(d: &Database) -> Result<(), String> {
    if d.engine.starts_with("aurora") {
        return Err("Aurora: clusters are stopped as a whole, not per instance".into());
    }
    if d.read_replica_of.is_some() || d.has_read_replicas {
        return Err("a read replica or the source of one cannot be stopped".into());
    }
    if d.multi_az && d.engine.starts_with("sqlserver") {
        return Err("Multi-AZ SQL Server cannot be stopped".into());
    }
    Ok(())
}
