//! Idle RDS: an available instance with no connections over the look-back window.

use super::{fixed, max_of, series, unknown, RuleContext};
use crate::domain::findings::{Evidence, Finding, Rule, Saving};
use crate::domain::inventory::Database;
use crate::domain::prices::monthly;

pub fn idle_rds(ctx: &RuleContext, db: &Database) -> Option<Finding> {
    if db.status != "available" || db.connections.is_empty() {
        return None;
    }
    let peak = max_of(&db.connections);
    if peak > ctx.thresholds.idle_rds_max_connections {
        return None;
    }
    let mut f = ctx.finding(
        Rule::IdleRds,
        &db.id,
        format!("{} {}", db.engine, db.class),
        "stop it (AWS starts it again after 7 days), or snapshot and delete it as a separate choice"
            .to_string(),
    );
    let copies = if db.multi_az { 2 } else { 1 };
    f.saving = match ctx.prices().and_then(|p| p.rds_hourly.get(&db.class)) {
        Some(hourly) => Saving::Monthly {
            amount: monthly(*hourly).scale(copies, 1),
            basis: format!(
                "{} {}/h x 730 h{}; storage keeps billing while stopped",
                db.class,
                hourly.format_plain_precise(),
                if db.multi_az { " x 2 (Multi-AZ)" } else { "" }
            ),
        },
        None => unknown(&db.class, ctx.region),
    };
    let days = db.connections.len();
    f.evidence = Evidence {
        summary: format!("max {} connections over {days} d", fixed(peak, 0)),
        facts: vec![
            ("status".into(), db.status.clone()),
            ("engine".into(), db.engine.clone()),
            ("class".into(), db.class.clone()),
            (
                "multi-AZ".into(),
                if db.multi_az { "yes" } else { "no" }.into(),
            ),
            ("days with data".into(), days.to_string()),
            ("max daily connections".into(), fixed(peak, 0)),
        ],
        series: series("DatabaseConnections", "count", &db.connections),
    };
    if db.engine.starts_with("aurora") || db.read_replica_of.is_some() || db.has_read_replicas {
        f.evidence.facts.push((
            "note".into(),
            "Aurora or replication: stopping this instance is not offered".into(),
        ));
    }
    Some(f)
}
