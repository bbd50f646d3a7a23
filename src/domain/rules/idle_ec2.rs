//! Idle EC2: a running, non-Spot instance outside Auto Scaling whose CPU and network
//! stayed under the thresholds every day of the look-back window.

use super::{fixed, max_of, series, unknown, RuleContext};
use crate::domain::findings::{Evidence, Finding, Rule, Saving};
use crate::domain::inventory::Instance;
use crate::domain::prices::monthly;

pub fn idle_ec2(ctx: &RuleContext, instance: &Instance) -> Option<Finding> {
    let t = ctx.thresholds;
    if instance.state != "running" || instance.cpu_percent.is_empty() {
        return None;
    }
    let cpu_max = max_of(&instance.cpu_percent);
    let mib = |bytes: f64| bytes / (1024.0 * 1024.0);
    // No network data points with CPU data means CloudWatch saw none; treat as unknown.
    if instance.network_bytes.is_empty() {
        return None;
    }
    let net_max = mib(max_of(&instance.network_bytes));
    if cpu_max >= t.idle_cpu_percent || net_max >= t.idle_network_mib_per_day {
        return None;
    }
    let label = match &instance.name {
        Some(name) => format!("{name} ({})", instance.instance_type),
        None => instance.instance_type.clone(),
    };
    let mut f = ctx.finding(
        Rule::IdleEc2,
        &instance.id,
        label,
        "stop the instance (its EBS volumes and Elastic IPs keep billing)".to_string(),
    );
    f.saving = on_demand_saving(ctx, instance);
    let days = instance.cpu_percent.len();
    f.evidence = Evidence {
        summary: format!(
            "CPU max {}% · net max {} MiB/day over {days} d",
            fixed(cpu_max, 1),
            fixed(net_max, 1)
        ),
        facts: vec![
            ("state".into(), instance.state.clone()),
            ("type".into(), instance.instance_type.clone()),
            ("days with data".into(), days.to_string()),
            (
                "max daily avg CPU".into(),
                format!("{}%", fixed(cpu_max, 2)),
            ),
            (
                "max daily network".into(),
                format!("{} MiB", fixed(net_max, 2)),
            ),
            (
                "thresholds".into(),
                format!(
                    "CPU < {}%, network < {} MiB/day",
                    t.idle_cpu_percent, t.idle_network_mib_per_day
                ),
            ),
            (
                "launched".into(),
                instance
                    .launched
                    .map_or("unknown".into(), |d| d.date_naive().to_string()),
            ),
        ],
        series: series("CPUUtilization", "%", &instance.cpu_percent),
    };
    if instance.spot || instance.auto_scaling_group.is_some() {
        f.evidence.facts.push((
            "note".into(),
            "Spot or Auto Scaling instance: stopping it is not offered".into(),
        ));
    }
    Some(f)
}

/// A month of the instance type's on-demand price, unknown without a price for it.
fn on_demand_saving(ctx: &RuleContext, instance: &Instance) -> Saving {
    match ctx
        .prices()
        .and_then(|p| p.ec2_hourly.get(&instance.instance_type))
    {
        Some(hourly) => Saving::Monthly {
            amount: monthly(*hourly),
            basis: format!(
                "{} on-demand {}/h x 730 h",
                instance.instance_type,
                hourly.format_plain_precise()
            ),
        },
        None => unknown(&instance.instance_type, ctx.region),
    }
}
