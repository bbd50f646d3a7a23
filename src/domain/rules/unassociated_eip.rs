//! Unassociated Elastic IPs: billed by the hour while attached to nothing.

use super::{unknown, RuleContext};
use crate::domain::findings::{Evidence, Finding, Rule, Saving};
use crate::domain::inventory::ElasticIp;
use crate::domain::prices::monthly;

pub fn unassociated_eip(ctx: &RuleContext, address: &ElasticIp) -> Option<Finding> {
    if address.association_id.is_some() || address.instance_id.is_some() {
        return None;
    }
    let mut f = ctx.finding(
        Rule::UnassociatedEip,
        &address.allocation_id,
        address.public_ip.clone(),
        "release the address".to_string(),
    );
    f.saving = match ctx.prices().and_then(|p| p.eip_hourly) {
        Some(hourly) => Saving::Monthly {
            amount: monthly(hourly),
            basis: format!("public IPv4 {}/h x 730 h", hourly.format_plain_precise()),
        },
        None => unknown("public IPv4 addresses", ctx.region),
    };
    f.evidence = Evidence {
        summary: "not associated".into(),
        facts: vec![
            ("public IP".into(), address.public_ip.clone()),
            ("association".into(), "none".into()),
        ],
        series: None,
    };
    Some(f)
}
