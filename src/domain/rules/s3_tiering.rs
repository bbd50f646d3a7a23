//! S3 without tiering: a bucket with Standard storage above the threshold and no
//! lifecycle rule that transitions objects.

use super::{group, unknown, RuleContext};
use crate::domain::findings::{Evidence, Finding, Rule, Saving};
use crate::domain::inventory::Bucket;
use crate::domain::prices::per_bytes;

/// S3 storage classes as CloudWatch's StorageType dimension names them.
pub const STANDARD_STORAGE: &str = "StandardStorage";

pub fn s3_tiering(ctx: &RuleContext, bucket: &Bucket) -> Option<Finding> {
    let t = ctx.thresholds;
    if bucket.has_transition {
        return None;
    }
    let standard = bucket.bytes_of(STANDARD_STORAGE);
    let gib = standard / (1 << 30);
    if standard == 0 || (gib as u64) < t.s3_min_standard_gib {
        return None;
    }
    let mut f = ctx.finding(
        Rule::S3Tiering,
        &bucket.name,
        format!("{} GiB in Standard", group(gib)),
        format!(
            "add a lifecycle rule: Standard-IA after {} days, Glacier Instant Retrieval after {} days",
            t.s3_ia_after_days, t.s3_glacier_ir_after_days
        ),
    );
    f.region = bucket.region.clone();
    let prices = ctx.prices.region(&bucket.region);
    f.saving = match prices.and_then(|p| {
        Some((
            *p.s3_gb_month.get("STANDARD")?,
            *p.s3_gb_month.get("STANDARD_IA")?,
        ))
    }) {
        Some((standard_price, ia_price)) => {
            let now = per_bytes(standard_price, standard);
            let after = per_bytes(ia_price, standard);
            Saving::UpTo {
                amount: now - after,
                basis: format!(
                    "{} GiB Standard {} -> Standard-IA {}; depends on object age and reads (IA charges retrieval)",
                    group(gib),
                    now.format_exact(),
                    after.format_exact()
                ),
            }
        }
        None => unknown("S3 storage classes", &bucket.region),
    };
    f.evidence = Evidence {
        summary: format!(
            "{} GiB Standard, {}",
            group(gib),
            match bucket.lifecycle_rules {
                0 => "no lifecycle rule".to_string(),
                n => format!(
                    "{} and no transition",
                    crate::domain::words::plural(n as u64, "lifecycle rule")
                ),
            }
        ),
        facts: std::iter::once((
            "lifecycle rules".to_string(),
            bucket.lifecycle_rules.to_string(),
        ))
        .chain(
            bucket
                .bytes_by_storage_type
                .iter()
                .map(|(class, bytes)| (class.clone(), format!("{} GiB", group(bytes / (1 << 30))))),
        )
        .chain(std::iter::once((
            "threshold".to_string(),
            format!("at least {} GiB in Standard", t.s3_min_standard_gib),
        )))
        .collect(),
        series: None,
    };
    Some(f)
}
