//! gp2 volumes: the same performance on gp3 costs less; the saving keeps gp2's IOPS
//! and throughput.

use super::{unknown, volume_label, RuleContext};
use crate::domain::findings::{Evidence, Finding, Rule, Saving};
use crate::domain::inventory::Volume;
use crate::domain::prices::times;

/// gp2 performance for a size: baseline IOPS (3 per GiB, 100 to 16,000), with bursts to
/// 3,000 below 1 TiB; throughput 128 MiB/s up to 170 GiB, 250 above.
pub fn gp2_performance(size_gib: i64) -> (i64, i64) {
    let baseline = (3 * size_gib).clamp(100, 16_000);
    let iops = baseline.max(3_000);
    let throughput = if size_gib > 170 { 250 } else { 128 };
    (iops, throughput)
}

pub const GP3_INCLUDED_IOPS: i64 = 3_000;

pub const GP3_INCLUDED_THROUGHPUT: i64 = 125;

pub fn gp2_volume(ctx: &RuleContext, volume: &Volume) -> Option<Finding> {
    if volume.volume_type != "gp2" {
        return None;
    }
    let (iops, throughput) = gp2_performance(volume.size_gib);
    let extra_iops = iops - GP3_INCLUDED_IOPS;
    let extra_throughput = throughput - GP3_INCLUDED_THROUGHPUT;
    let saving = ctx.prices().and_then(|p| {
        let gp2 = times(*p.ebs_gb_month.get("gp2")?, volume.size_gib);
        let gp3 = times(*p.ebs_gb_month.get("gp3")?, volume.size_gib)
            + times(p.gp3_iops_month?, extra_iops)
            + times(p.gp3_throughput_month?, extra_throughput);
        Some((gp2, gp3))
    });
    let saving = match saving {
        Some((gp2, gp3)) if gp2 <= gp3 => return None,
        Some((gp2, gp3)) => Saving::Monthly {
            amount: gp2 - gp3,
            basis: format!(
                "gp2 {} GiB {} - gp3 with {iops} IOPS, {throughput} MiB/s {}",
                volume.size_gib,
                gp2.format_exact(),
                gp3.format_exact()
            ),
        },
        None => unknown("gp2/gp3 storage", ctx.region),
    };
    let mut f = ctx.finding(
        Rule::Gp2Volume,
        &volume.id,
        volume_label(volume),
        format!("modify to gp3 at {iops} IOPS, {throughput} MiB/s"),
    );
    f.saving = saving;
    f.evidence = Evidence {
        summary: format!(
            "gp2 {} GiB → gp3 {iops} IOPS {throughput} MiB/s",
            volume.size_gib
        ),
        facts: vec![
            ("type".into(), volume.volume_type.clone()),
            ("size".into(), format!("{} GiB", volume.size_gib)),
            (
                "gp2 delivers".into(),
                format!("{iops} IOPS (burst included), {throughput} MiB/s"),
            ),
            (
                "gp3 proposed".into(),
                format!(
                    "{iops} IOPS (+{extra_iops} over 3,000), {throughput} MiB/s (+{extra_throughput} over 125)"
                ),
            ),
            (
                "attached to".into(),
                volume.attached_to.clone().unwrap_or_else(|| "nothing".into()),
            ),
        ],
        series: None,
    };
    Some(f)
}
