//! What a step re-reads and how it judges it: whether the step may still run (stale
//! steps are skipped), whether the change shows afterwards, and whether an unknown
//! outcome left the resource untouched.

use super::{database_stoppable, Change, PlanStep, LIFECYCLE_RULE_PREFIX};
use crate::domain::inventory::{
    Database, ElasticIp, Instance, LifecycleRuleSeen, Snapshot, Volume,
};
use serde::{Deserialize, Serialize};

/// A resource as re-read just before (and just after) a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Observed {
    /// The resource no longer exists.
    Missing,
    Instance {
        instance: Instance,
        ebs_backed: bool,
        stop_protection: bool,
        /// Highest daily average CPU of the last 2 days; None when CloudWatch has none.
        recent_cpu_percent: Option<f64>,
    },
    Volume {
        volume: Volume,
        /// The latest modification's state and target type, if any.
        modification: Option<(String, String)>,
    },
    Snapshot {
        snapshot: Snapshot,
        /// False when the AMI listing failed: then nothing proves the snapshot unused.
        images_complete: bool,
    },
    Address(ElasticIp),
    Database(Database),
    Bucket {
        rules: Vec<LifecycleRuleSeen>,
        /// Whether an enabled rule that is not costscope's transitions objects.
        has_transition: bool,
    },
}

/// The rules that are not costscope's, in id order: what must not change.
pub fn others_of(rules: &[LifecycleRuleSeen]) -> Vec<LifecycleRuleSeen> {
    let mut others: Vec<LifecycleRuleSeen> = rules
        .iter()
        .filter(|r| !r.id.starts_with(LIFECYCLE_RULE_PREFIX))
        .cloned()
        .collect();
    others.sort_by(|a, b| (&a.id, &a.fingerprint).cmp(&(&b.id, &b.fingerprint)));
    others
}

/// Whether the step may still run; Err(why) makes it stale (skipped, never forced).
pub fn still_applies(step: &PlanStep, now: &Observed) -> Result<(), String> {
    let gone = || Err("it no longer exists".to_string());
    match (&step.change, now) {
        (_, Observed::Missing) => gone(),
        (
            Change::StopInstance {
                busy_cpu_percent,
                allow_auto_scaling,
            },
            Observed::Instance {
                instance,
                ebs_backed,
                stop_protection,
                recent_cpu_percent,
            },
        ) => instance_stoppable(
            instance,
            StopGuards {
                ebs_backed: *ebs_backed,
                stop_protection: *stop_protection,
                recent_cpu_percent: *recent_cpu_percent,
                busy_cpu_percent: *busy_cpu_percent,
                allow_auto_scaling: *allow_auto_scaling,
            },
        ),
        (
            Change::ModifyVolumeToGp3 { .. },
            Observed::Volume {
                volume,
                modification,
            },
        ) => volume_modifiable(volume, modification.as_ref()),
        (Change::SnapshotThenDeleteVolume, Observed::Volume { volume, .. }) => {
            match (&volume.attached_to, volume.state.as_str()) {
                (Some(instance), _) => Err(format!("it is attached to {instance} now")),
                (None, "available") => Ok(()),
                (None, state) => Err(format!("it is {state} now")),
            }
        }
        (
            Change::DeleteSnapshot,
            Observed::Snapshot {
                snapshot,
                images_complete,
            },
        ) => snapshot_unused(snapshot, *images_complete),
        (
            Change::AddLifecycleTransition { other_rules, .. },
            Observed::Bucket {
                rules,
                has_transition,
            },
        ) => lifecycle_unchanged(other_rules, rules, *has_transition),
        (Change::StopDatabase, Observed::Database(d)) => {
            if d.status != "available" {
                return Err(format!("it is {} now", d.status));
            }
            database_stoppable(d)
        }
        (Change::DeleteDatabase { .. }, Observed::Database(d)) => match d.status.as_str() {
            "available" | "stopped" => Ok(()),
            other => Err(format!("it is {other} now")),
        },
        (Change::ReleaseAddress, Observed::Address(a)) => {
            match (&a.association_id, &a.instance_id) {
                (None, None) => Ok(()),
                (_, Some(instance)) => Err(format!("it is associated with {instance} now")),
                (Some(association), None) => Err(format!("it is associated now ({association})")),
            }
        }
        (change, _) => Err(format!(
            "AWS described it as a different kind of resource than `{}` expects",
            change.verb()
        )),
    }
}

fn volume_modifiable(
    volume: &Volume,
    modification: Option<&(String, String)>,
) -> Result<(), String> {
    match modification {
        // AWS allows a new modification only once the last one is completed.
        Some((state, _)) if state == "modifying" || state == "optimizing" => Err(format!(
            "an earlier modification is not finished yet ({state})"
        )),
        _ if volume.volume_type != "gp2" => Err(format!("it is {} now", volume.volume_type)),
        _ => Ok(()),
    }
}

fn snapshot_unused(snapshot: &Snapshot, images_complete: bool) -> Result<(), String> {
    match (&snapshot.used_by_image, images_complete) {
        (Some(image), _) => Err(format!("the AMI {image} uses it now")),
        (None, false) => Err("the AMIs could not all be read, so nothing proves it unused".into()),
        (None, true) => Ok(()),
    }
}

/// What, besides its state, decides whether an instance may be stopped.
struct StopGuards {
    ebs_backed: bool,
    stop_protection: bool,
    recent_cpu_percent: Option<f64>,
    busy_cpu_percent: f64,
    allow_auto_scaling: bool,
}

fn instance_stoppable(instance: &Instance, guards: StopGuards) -> Result<(), String> {
    if instance.state != "running" {
        Err(format!("it is {} now", instance.state))
    } else if instance.spot {
        Err("it is a Spot instance".into())
    } else if instance.auto_scaling_group.is_some() && !guards.allow_auto_scaling {
        Err("it is in an Auto Scaling group, which would replace it ([apply] allow_auto_scaling is off)".into())
    } else if !guards.ebs_backed {
        Err("its root device is instance store: stopping loses data".into())
    } else if guards.stop_protection {
        Err("stop protection is on".into())
    } else if let Some(cpu) = guards
        .recent_cpu_percent
        .filter(|c| *c >= guards.busy_cpu_percent)
    {
        Err(format!(
            "it is busy again: {cpu:.1}% CPU on a recent day (threshold {}%)",
            guards.busy_cpu_percent
        ))
    } else {
        Ok(())
    }
}

/// A transition may be added only while no rule has one and the other rules are the
/// ones the plan was made against (the write replaces the whole configuration).
fn lifecycle_unchanged(
    planned_others: &[LifecycleRuleSeen],
    rules_now: &[LifecycleRuleSeen],
    has_transition: bool,
) -> Result<(), String> {
    let now = others_of(rules_now);
    if has_transition {
        Err("a lifecycle rule with a transition exists now".into())
    } else if now != planned_others {
        let ids = |rules: &[LifecycleRuleSeen]| {
            rules
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        Err(format!(
            "the lifecycle rules changed since the scan (then: [{}], now: [{}])",
            ids(planned_others),
            ids(&now)
        ))
    } else {
        Ok(())
    }
}

/// Whether the resource re-read after the call shows the change; Err(what it shows).
pub fn shows_change(step: &PlanStep, before: &Observed, after: &Observed) -> Result<(), String> {
    match (&step.change, after) {
        (Change::StopInstance { .. }, Observed::Instance { instance, .. }) => {
            match instance.state.as_str() {
                "stopping" | "stopped" => Ok(()),
                other => Err(format!("the instance is {other}")),
            }
        }
        (
            Change::ModifyVolumeToGp3 { .. },
            Observed::Volume {
                volume,
                modification,
            },
        ) => {
            let modifying_to_gp3 = modification.as_ref().is_some_and(|(state, target)| {
                matches!(state.as_str(), "optimizing" | "completed") && target == "gp3"
            });
            if volume.volume_type == "gp3" || modifying_to_gp3 {
                Ok(())
            } else {
                Err(format!("the volume is still {}", volume.volume_type))
            }
        }
        (
            Change::SnapshotThenDeleteVolume | Change::DeleteSnapshot | Change::ReleaseAddress,
            Observed::Missing,
        ) => Ok(()),
        (Change::SnapshotThenDeleteVolume, Observed::Volume { volume, .. })
            if volume.state == "deleting" || volume.state == "deleted" =>
        {
            Ok(())
        }
        (Change::AddLifecycleTransition { rule_id, .. }, Observed::Bucket { rules, .. }) => {
            let Observed::Bucket { rules: earlier, .. } = before else {
                return Err("the configuration before the change is unknown".into());
            };
            // Every other rule exactly as it was, plus ours.
            let earlier = others_of(earlier);
            let lost: Vec<&str> = earlier
                .iter()
                .filter(|r| !rules.contains(r))
                .map(|r| r.id.as_str())
                .collect();
            if !lost.is_empty() {
                Err(format!(
                    "rules missing or changed after the change: {lost:?}"
                ))
            } else if !rules.iter().any(|r| &r.id == rule_id) {
                Err(format!("rule {rule_id} is not in the configuration"))
            } else {
                Ok(())
            }
        }
        (Change::StopDatabase, Observed::Database(d)) => match d.status.as_str() {
            "stopping" | "stopped" => Ok(()),
            other => Err(format!("the DB instance is {other}")),
        },
        (Change::DeleteDatabase { .. }, Observed::Missing) => Ok(()),
        (Change::DeleteDatabase { .. }, Observed::Database(d)) if d.status == "deleting" => Ok(()),
        (_, Observed::Missing) => Err("the resource is gone".into()),
        (_, _) => Err("the resource still exists in its earlier state".into()),
    }
}

/// Whether the resource re-read after an unknown outcome is exactly as the change would
/// have found it, so the change was never made: Some(what shows it), else None.
pub fn shows_no_change(step: &PlanStep, after: &Observed) -> Option<String> {
    match (&step.change, after) {
        (Change::StopInstance { .. }, Observed::Instance { instance, .. })
            if instance.state == "running" =>
        {
            Some("the instance is still running".into())
        }
        (
            Change::ModifyVolumeToGp3 { .. },
            Observed::Volume {
                volume,
                modification,
            },
        ) if volume.volume_type == "gp2"
            && !modification
                .as_ref()
                .is_some_and(|(state, target)| state != "completed" || target == "gp3") =>
        {
            Some("the volume is still gp2 with no modification under way".into())
        }
        (Change::SnapshotThenDeleteVolume, Observed::Volume { volume, .. })
            if volume.state == "available" =>
        {
            Some("the volume still exists, unattached".into())
        }
        (Change::DeleteSnapshot, Observed::Snapshot { .. }) => {
            Some("the snapshot still exists".into())
        }
        (Change::AddLifecycleTransition { rule_id, .. }, Observed::Bucket { rules, .. })
            if !rules.iter().any(|r| &r.id == rule_id) =>
        {
            Some(format!("the bucket has no rule {rule_id}"))
        }
        (Change::StopDatabase, Observed::Database(d)) if d.status == "available" => {
            Some("the DB instance is still available".into())
        }
        (Change::DeleteDatabase { .. }, Observed::Database(d))
            if d.status == "available" || d.status == "stopped" =>
        {
            Some(format!("the DB instance is still {}", d.status))
        }
        (Change::ReleaseAddress, Observed::Address(_)) => {
            Some("the address is still allocated".into())
        }
        _ => None,
    }
}

/// The resource as it should look once the change is made (the demo's simulation).
pub fn simulated_after(step: &PlanStep, before: &Observed) -> Observed {
    let mut after = before.clone();
    match (&step.change, &mut after) {
        (Change::StopInstance { .. }, Observed::Instance { instance, .. }) => {
            instance.state = "stopped".into();
        }
        (
            Change::ModifyVolumeToGp3 {
                iops,
                throughput_mibps,
            },
            Observed::Volume {
                volume,
                modification,
            },
        ) => {
            volume.volume_type = "gp3".into();
            volume.iops = Some(*iops);
            volume.throughput_mibps = Some(*throughput_mibps);
            *modification = Some(("optimizing".into(), "gp3".into()));
        }
        (Change::AddLifecycleTransition { rule_id, .. }, Observed::Bucket { rules, .. }) => {
            rules.retain(|r| &r.id != rule_id);
            rules.push(LifecycleRuleSeen {
                id: rule_id.clone(),
                fingerprint: "simulated".into(),
            });
        }
        (Change::StopDatabase, Observed::Database(d)) => d.status = "stopped".into(),
        (
            Change::SnapshotThenDeleteVolume
            | Change::DeleteSnapshot
            | Change::ReleaseAddress
            | Change::DeleteDatabase { .. },
            _,
        ) => after = Observed::Missing,
        _ => {}
    }
    after
}
