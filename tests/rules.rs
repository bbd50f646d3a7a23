//! The optimizer's rules on hand-built inventories: each rule fires on its idle or old
//! twin and not on the busy or current one, with exact savings from the built-in prices.

use chrono::{DateTime, Duration, TimeZone, Utc};
use costscope::config::prices::built_in_prices;
use costscope::domain::findings::{Rule, Saving};
use costscope::domain::inventory::{Bucket, Database, ElasticIp, Instance, Snapshot, Volume};
use costscope::domain::prices::PriceTable;
use costscope::domain::rules::{self, gp2_performance, RuleContext, Thresholds};
use costscope::domain::Money;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

fn dollars(text: &str) -> Money {
    text.parse().unwrap()
}

fn ctx<'a>(prices: &'a PriceTable, thresholds: &'a Thresholds, region: &'a str) -> RuleContext<'a> {
    RuleContext {
        account: "111111111111",
        region,
        prices,
        thresholds,
        now: now(),
    }
}

fn monthly(saving: &Saving) -> Money {
    match saving {
        Saving::Monthly { amount, .. } => *amount,
        other => panic!("expected a monthly saving, got {other:?}"),
    }
}

fn instance(cpu: f64, net_bytes: f64) -> Instance {
    Instance {
        id: "i-1".into(),
        name: Some("batch".into()),
        instance_type: "m5.large".into(),
        state: "running".into(),
        launched: Some(now() - Duration::days(100)),
        spot: false,
        auto_scaling_group: None,
        cpu_percent: vec![cpu; 14],
        network_bytes: vec![net_bytes; 14],
    }
}

#[test]
fn idle_ec2_fires_on_low_cpu_and_network_only() {
    let (p, t) = (built_in_prices(), Thresholds::default());
    let c = ctx(&p, &t, "us-east-1");
    let idle = rules::idle_ec2(&c, &instance(0.5, 1e6)).expect("idle instance flagged");
    assert_eq!(idle.rule, Rule::IdleEc2);
    // m5.large $0.096/h x 730 h
    assert_eq!(monthly(&idle.saving), dollars("70.08"));
    let series = idle.evidence.series.as_ref().unwrap();
    assert_eq!(
        (series.name.as_str(), series.values.len()),
        ("CPUUtilization", 14)
    );

    assert!(
        rules::idle_ec2(&c, &instance(45.0, 1e6)).is_none(),
        "busy CPU"
    );
    assert!(
        rules::idle_ec2(&c, &instance(0.5, 9e9)).is_none(),
        "busy network"
    );
    let mut stopped = instance(0.5, 1e6);
    stopped.state = "stopped".into();
    assert!(rules::idle_ec2(&c, &stopped).is_none(), "stopped");
    let mut no_data = instance(0.5, 1e6);
    no_data.cpu_percent.clear();
    assert!(
        rules::idle_ec2(&c, &no_data).is_none(),
        "no metric is unknown, not idle"
    );
}

#[test]
fn unknown_price_still_gives_the_finding_without_a_number() {
    let (p, t) = (built_in_prices(), Thresholds::default());
    let f = rules::idle_ec2(&ctx(&p, &t, "eu-west-1"), &instance(0.5, 1e6)).unwrap();
    assert!(matches!(f.saving, Saving::Unknown { .. }));
    assert_eq!(f.saving.amount(), None);
    assert_eq!(f.saving.per_month_label(), "saving unknown");
}

fn volume(kind: &str, size: i64, state: &str) -> Volume {
    Volume {
        id: "vol-1".into(),
        name: None,
        volume_type: kind.into(),
        size_gib: size,
        iops: Some(3000),
        throughput_mibps: Some(125),
        state: state.into(),
        attached_to: (state == "in-use").then(|| "i-1".to_string()),
        created: Some(now() - Duration::days(30)),
    }
}

#[test]
fn gp2_to_gp3_keeps_performance_and_prices_the_extras() {
    assert_eq!(gp2_performance(100), (3000, 128));
    assert_eq!(gp2_performance(2000), (6000, 250));
    assert_eq!(gp2_performance(10_000), (16_000, 250));
    let (p, t) = (built_in_prices(), Thresholds::default());
    let c = ctx(&p, &t, "us-east-1");
    // 100 GiB: gp2 $10.00; gp3 $8.00 + 3 MiB/s x $0.04 = $8.12 -> $1.88
    let small = rules::gp2_volume(&c, &volume("gp2", 100, "in-use")).unwrap();
    assert_eq!(monthly(&small.saving), dollars("1.88"));
    assert!(
        small.action.contains("3000 IOPS, 128 MiB/s"),
        "{}",
        small.action
    );
    // 2000 GiB: gp2 $200; gp3 $160 + 3000 IOPS x $0.005 + 125 MiB/s x $0.04 = $180 -> $20
    let big = rules::gp2_volume(&c, &volume("gp2", 2000, "in-use")).unwrap();
    assert_eq!(monthly(&big.saving), dollars("20"));
    assert!(rules::gp2_volume(&c, &volume("gp3", 100, "in-use")).is_none());
}

#[test]
fn unattached_volume_respects_its_age_threshold_even_zero() {
    let p = built_in_prices();
    let mut t = Thresholds::default();
    let c = ctx(&p, &t, "us-east-1");
    let old = rules::unattached_volume(&c, &volume("gp2", 100, "available")).unwrap();
    // gp2 100 GiB $10.00 minus a full-size snapshot $5.00
    assert_eq!(monthly(&old.saving), dollars("5"));
    assert!(rules::unattached_volume(&c, &volume("gp2", 100, "in-use")).is_none());
    let mut fresh = volume("gp2", 100, "available");
    fresh.created = Some(now() - Duration::days(2));
    assert!(
        rules::unattached_volume(&c, &fresh).is_none(),
        "younger than 7 days"
    );
    t.unattached_volume_days = 0;
    let c = ctx(&p, &t, "us-east-1");
    assert!(
        rules::unattached_volume(&c, &fresh).is_some(),
        "threshold 0 flags all"
    );
}

fn snapshot(age_days: i64, image: Option<&str>) -> Snapshot {
    Snapshot {
        id: "snap-1".into(),
        volume_id: Some("vol-1".into()),
        volume_size_gib: 500,
        started: Some(now() - Duration::days(age_days)),
        description: String::new(),
        used_by_image: image.map(str::to_string),
    }
}

#[test]
fn old_snapshot_is_an_upper_bound_and_skips_ami_snapshots() {
    let (p, t) = (built_in_prices(), Thresholds::default());
    let c = ctx(&p, &t, "us-east-1");
    let f = rules::old_snapshot(&c, &snapshot(200, None)).unwrap();
    assert_eq!(
        f.saving,
        Saving::UpTo {
            amount: dollars("25"),
            basis: f.saving.basis().to_string()
        }
    );
    assert!(f.saving.basis().contains("incremental"));
    assert!(rules::old_snapshot(&c, &snapshot(200, Some("ami-1"))).is_none());
    assert!(rules::old_snapshot(&c, &snapshot(30, None)).is_none());
}

#[test]
fn no_snapshot_is_called_unused_when_the_ami_listing_failed() {
    let (p, t) = (built_in_prices(), Thresholds::default());
    let c = ctx(&p, &t, "us-east-1");
    let mut inventory = costscope::domain::inventory::RegionInventory {
        snapshots: vec![snapshot(200, None)],
        images_complete: true,
        ..Default::default()
    };
    assert_eq!(rules::evaluate_region(&c, &inventory).len(), 1);
    inventory.images_complete = false;
    assert!(rules::evaluate_region(&c, &inventory).is_empty());
}

fn bucket(standard_gib: i64, transition: bool) -> Bucket {
    Bucket {
        name: "logs".into(),
        region: "us-west-2".into(),
        lifecycle_rules: usize::from(transition),
        has_transition: transition,
        rules: vec![],
        bytes_by_storage_type: vec![("StandardStorage".into(), standard_gib << 30)],
    }
}

#[test]
fn s3_tiering_needs_enough_standard_bytes_and_no_transition() {
    let (p, t) = (built_in_prices(), Thresholds::default());
    let c = ctx(&p, &t, "us-east-1");
    let f = rules::s3_tiering(&c, &bucket(1000, false)).unwrap();
    // 1000 GiB x ($0.023 - $0.0125)
    assert_eq!(f.saving.amount(), Some(dollars("10.5")));
    assert!(f.saving.is_upper_bound());
    assert_eq!(f.region, "us-west-2", "the bucket's own region");
    assert!(rules::s3_tiering(&c, &bucket(1000, true)).is_none());
    assert!(
        rules::s3_tiering(&c, &bucket(50, false)).is_none(),
        "under 100 GiB"
    );
}

fn database(connections: f64, multi_az: bool) -> Database {
    Database {
        id: "orders".into(),
        class: "db.m5.large".into(),
        engine: "postgres".into(),
        status: "available".into(),
        multi_az,
        read_replica_of: None,
        has_read_replicas: false,
        created: None,
        connections: vec![connections; 14],
    }
}

#[test]
fn idle_rds_needs_zero_connections_and_says_aws_restarts_it() {
    let (p, t) = (built_in_prices(), Thresholds::default());
    let c = ctx(&p, &t, "us-east-1");
    let f = rules::idle_rds(&c, &database(0.0, false)).unwrap();
    // db.m5.large $0.171/h x 730
    assert_eq!(monthly(&f.saving), dollars("124.83"));
    assert!(f.action.contains("7 days"), "{}", f.action);
    let multi = rules::idle_rds(&c, &database(0.0, true)).unwrap();
    assert_eq!(monthly(&multi.saving), dollars("249.66"));
    assert!(rules::idle_rds(&c, &database(3.0, false)).is_none());
}

#[test]
fn only_unassociated_addresses_are_flagged() {
    let (p, t) = (built_in_prices(), Thresholds::default());
    let c = ctx(&p, &t, "us-east-1");
    let mut address = ElasticIp {
        allocation_id: "eipalloc-1".into(),
        public_ip: "52.1.2.3".into(),
        association_id: None,
        instance_id: None,
    };
    // $0.005/h x 730
    assert_eq!(
        monthly(&rules::unassociated_eip(&c, &address).unwrap().saving),
        dollars("3.65")
    );
    address.association_id = Some("eipassoc-1".into());
    assert!(rules::unassociated_eip(&c, &address).is_none());
}

#[test]
fn no_finding_comes_from_evidence_that_could_not_be_read() {
    use costscope::domain::inventory::{RegionInventory, Unread};
    let (p, t) = (built_in_prices(), Thresholds::default());
    let c = ctx(&p, &t, "us-east-1");
    let mut other = instance(0.5, 1e6);
    other.id = "i-2".into();
    let mut inventory = RegionInventory {
        instances: vec![instance(0.5, 1e6), other],
        images_complete: true,
        ..Default::default()
    };
    assert_eq!(rules::evaluate_region(&c, &inventory).len(), 2);
    // CloudWatch answered PartialData for i-1: its series may look idle, but is unknown.
    inventory.unread.push(Unread {
        rule: Rule::IdleEc2,
        resource: Some("i-1".into()),
        reason: "CloudWatch AWS/EC2 CPUUtilization: PartialData".into(),
    });
    let findings = rules::evaluate_region(&c, &inventory);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].resource, "i-2");
}

#[test]
fn the_spec_table_has_one_row_per_rule_in_order_and_every_name_parses_back() {
    use costscope::domain::findings::SPECS;
    assert_eq!(SPECS.len(), Rule::ALL.len());
    for (spec, rule) in SPECS.iter().zip(Rule::ALL) {
        assert_eq!(spec.rule, rule, "{} is out of order", spec.name);
        assert_eq!(Rule::parse(spec.name), Some(rule));
        assert_eq!(rule.spec().title, spec.title);
        for text in [
            spec.title,
            spec.resource_kind.name(),
            spec.evidence,
            spec.saving,
            spec.remediation,
        ] {
            assert!(
                !text.is_empty(),
                "{}: every column says something",
                spec.name
            );
        }
    }
    // The stored name is the serde name: a rename would orphan cached findings.
    for rule in Rule::ALL {
        assert_eq!(
            serde_json::to_string(&rule).unwrap(),
            format!("\"{}\"", rule.name())
        );
    }
}
