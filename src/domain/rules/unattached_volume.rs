//! Unattached EBS volumes: available (attached to nothing) for longer than the
//! threshold; the saving is the volume less the snapshot taken before deleting it.

use super::{unknown, volume_label, volume_monthly, RuleContext};
use crate::domain::findings::{Evidence, Finding, Rule, Saving};
use crate::domain::inventory::Volume;
use crate::domain::prices::times;
use crate::domain::Money;

pub fn unattached_volume(ctx: &RuleContext, volume: &Volume) -> Option<Finding> {
    if volume.state != "available" {
        return None;
    }
    let age = ctx.age_days(volume.created);
    if age.unwrap_or(0) < i64::from(ctx.thresholds.unattached_volume_days) {
        return None;
    }
    let mut f = ctx.finding(
        Rule::UnattachedVolume,
        &volume.id,
        volume_label(volume),
        "snapshot it, then delete the volume".to_string(),
    );
    f.saving = match ctx
        .prices()
        .and_then(|p| Some((volume_monthly(p, volume)?, p.snapshot_gb_month?)))
    {
        Some((cost, snapshot_price)) => {
            let snapshot = times(snapshot_price, volume.size_gib);
            Saving::Monthly {
                amount: (cost - snapshot).max(Money::ZERO),
                basis: format!(
                    "volume {} - a full-size snapshot {} (the snapshot usually costs less)",
                    cost.format_exact(),
                    snapshot.format_exact()
                ),
            }
        }
        None => unknown(&format!("{} volumes", volume.volume_type), ctx.region),
    };
    f.evidence = Evidence {
        summary: format!(
            "available, created {} d ago",
            age.map_or("?".into(), |d| d.to_string())
        ),
        facts: vec![
            ("state".into(), volume.state.clone()),
            (
                "created".into(),
                volume
                    .created
                    .map_or("unknown".into(), |d| d.date_naive().to_string()),
            ),
            (
                "threshold".into(),
                format!(
                    "unattached and at least {} days old",
                    ctx.thresholds.unattached_volume_days
                ),
            ),
            ("type".into(), volume.volume_type.clone()),
            ("size".into(), format!("{} GiB", volume.size_gib)),
        ],
        series: None,
    };
    Some(f)
}
