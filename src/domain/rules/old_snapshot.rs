//! Old EBS snapshots: older than the threshold and used by no registered AMI.

use super::{unknown, RuleContext};
use crate::domain::findings::{Evidence, Finding, Rule, Saving};
use crate::domain::inventory::Snapshot;
use crate::domain::prices::times;

pub fn old_snapshot(ctx: &RuleContext, snapshot: &Snapshot) -> Option<Finding> {
    if snapshot.used_by_image.is_some() {
        return None;
    }
    let age = ctx.age_days(snapshot.started)?;
    if age < i64::from(ctx.thresholds.snapshot_age_days) {
        return None;
    }
    let mut f = ctx.finding(
        Rule::OldSnapshot,
        &snapshot.id,
        format!("{} GiB snapshot", snapshot.volume_size_gib),
        "delete the snapshot".to_string(),
    );
    f.saving = match ctx.prices().and_then(|p| p.snapshot_gb_month) {
        Some(price) => Saving::UpTo {
            amount: times(price, snapshot.volume_size_gib),
            basis: format!(
                "{} GiB x {}/GiB-month; snapshots are incremental, so deleting one frees at most its volume's size",
                snapshot.volume_size_gib,
                price.format_plain_precise()
            ),
        },
        None => unknown("EBS snapshots", ctx.region),
    };
    f.evidence = Evidence {
        summary: format!("{age} d old, used by no AMI"),
        facts: vec![
            ("age".into(), format!("{age} days")),
            (
                "threshold".into(),
                format!("{} days", ctx.thresholds.snapshot_age_days),
            ),
            (
                "used by an AMI".into(),
                "no (every AMI of the region read)".into(),
            ),
            (
                "volume".into(),
                snapshot.volume_id.clone().unwrap_or_else(|| "—".into()),
            ),
            ("description".into(), snapshot.description.clone()),
        ],
        series: None,
    };
    Some(f)
}
