//! Every guard of SAFETY.md's "Per action", both ways: the state that lets a step run,
//! and each state that must make it stale (skipped, never forced). Plus the plan-time
//! refusals and the confirmation policy. Pure: no AWS, no cache.

use costscope::domain::findings::{Evidence, Finding, FindingStatus, Rule, Saving, TrackedFinding};
use costscope::domain::inventory::{
    Database, ElasticIp, Instance, LifecycleRuleSeen, Snapshot, Volume,
};
use costscope::domain::remediation::{
    build_plan, others_of, shows_change, shows_no_change, still_applies, Change, ConfirmPolicy,
    Confirmation, Observed, Plan, PlanInput, PlanOptions, PlanStep, LIFECYCLE_RULE_ID,
};

fn step(rule: Rule, change: Change) -> PlanStep {
    PlanStep {
        finding_id: 1,
        rule,
        account: "111111111111".into(),
        account_name: "sandbox".into(),
        region: "us-east-1".into(),
        resource: "r-1".into(),
        label: "r-1".into(),
        change,
        saving: Saving::Unknown {
            reason: "test".into(),
        },
    }
}

fn instance() -> Instance {
    Instance {
        id: "i-1".into(),
        name: None,
        instance_type: "m5.large".into(),
        state: "running".into(),
        launched: None,
        spot: false,
        auto_scaling_group: None,
        cpu_percent: vec![],
        network_bytes: vec![],
    }
}

fn observed_instance(
    edit: impl FnOnce(&mut Instance),
    stop_protection: bool,
    ebs: bool,
    cpu: Option<f64>,
) -> Observed {
    let mut i = instance();
    edit(&mut i);
    Observed::Instance {
        instance: i,
        ebs_backed: ebs,
        stop_protection,
        recent_cpu_percent: cpu,
    }
}

/// Asserts the verdict of `still_applies` for each (case, observed, expected stale reason).
fn check(step: &PlanStep, cases: Vec<(&str, Observed, Option<&str>)>) {
    for (case, observed, stale) in cases {
        let verdict = still_applies(step, &observed);
        match (stale, verdict) {
            (None, Ok(())) => {}
            (Some(why), Err(reason)) => {
                assert!(
                    reason.contains(why),
                    "{case}: expected {why:?} in {reason:?}"
                )
            }
            (None, Err(reason)) => panic!("{case}: should run, but stale: {reason}"),
            (Some(why), Ok(())) => panic!("{case}: should be stale ({why}), but runs"),
        }
    }
}

#[test]
fn stop_instance_runs_only_when_running_ebs_backed_not_spot_not_asg_unprotected_and_idle() {
    let stop = step(
        Rule::IdleEc2,
        Change::StopInstance {
            busy_cpu_percent: 5.0,
            allow_auto_scaling: false,
        },
    );
    check(
        &stop,
        vec![
            (
                "idle and running",
                observed_instance(|_| {}, false, true, Some(1.0)),
                None,
            ),
            (
                "no CPU data",
                observed_instance(|_| {}, false, true, None),
                None,
            ),
            (
                "stopped",
                observed_instance(|i| i.state = "stopped".into(), false, true, None),
                Some("stopped now"),
            ),
            (
                "spot",
                observed_instance(|i| i.spot = true, false, true, None),
                Some("Spot"),
            ),
            (
                "auto scaling",
                observed_instance(
                    |i| i.auto_scaling_group = Some("web".into()),
                    false,
                    true,
                    None,
                ),
                Some("Auto Scaling group"),
            ),
            (
                "instance store",
                observed_instance(|_| {}, false, false, None),
                Some("instance store"),
            ),
            (
                "stop protection",
                observed_instance(|_| {}, true, true, None),
                Some("stop protection"),
            ),
            (
                "busy again",
                observed_instance(|_| {}, false, true, Some(5.0)),
                Some("busy again"),
            ),
            ("gone", Observed::Missing, Some("no longer exists")),
        ],
    );
    // With allow_auto_scaling, the group no longer blocks it (the rest still does).
    let allowed = step(
        Rule::IdleEc2,
        Change::StopInstance {
            busy_cpu_percent: 5.0,
            allow_auto_scaling: true,
        },
    );
    check(
        &allowed,
        vec![
            (
                "auto scaling allowed",
                observed_instance(
                    |i| i.auto_scaling_group = Some("web".into()),
                    false,
                    true,
                    None,
                ),
                None,
            ),
            (
                "spot still refused",
                observed_instance(|i| i.spot = true, false, true, None),
                Some("Spot"),
            ),
        ],
    );
}

fn volume(edit: impl FnOnce(&mut Volume)) -> Volume {
    let mut v = Volume {
        id: "vol-1".into(),
        name: None,
        volume_type: "gp2".into(),
        size_gib: 100,
        iops: Some(300),
        throughput_mibps: None,
        state: "in-use".into(),
        attached_to: Some("i-1".into()),
        created: None,
    };
    edit(&mut v);
    v
}

fn observed_volume(v: Volume, modification: Option<(&str, &str)>) -> Observed {
    Observed::Volume {
        volume: v,
        modification: modification.map(|(s, t)| (s.to_string(), t.to_string())),
    }
}

#[test]
fn gp2_to_gp3_waits_for_any_unfinished_modification_and_only_moves_gp2() {
    let modify = step(
        Rule::Gp2Volume,
        Change::ModifyVolumeToGp3 {
            iops: 3000,
            throughput_mibps: 125,
        },
    );
    check(
        &modify,
        vec![
            (
                "gp2, never modified",
                observed_volume(volume(|_| {}), None),
                None,
            ),
            (
                "gp2, last modification completed",
                observed_volume(volume(|_| {}), Some(("completed", "gp2"))),
                None,
            ),
            (
                "modifying",
                observed_volume(volume(|_| {}), Some(("modifying", "io1"))),
                Some("not finished yet (modifying)"),
            ),
            (
                "optimizing",
                observed_volume(volume(|_| {}), Some(("optimizing", "io1"))),
                Some("not finished yet (optimizing)"),
            ),
            (
                "gp3 now",
                observed_volume(volume(|v| v.volume_type = "gp3".into()), None),
                Some("gp3 now"),
            ),
            ("gone", Observed::Missing, Some("no longer exists")),
        ],
    );
}

#[test]
fn an_unattached_volume_is_deleted_only_while_still_available_and_unattached() {
    let delete = step(Rule::UnattachedVolume, Change::SnapshotThenDeleteVolume);
    let free = |v: &mut Volume| {
        v.state = "available".into();
        v.attached_to = None;
    };
    check(
        &delete,
        vec![
            ("available", observed_volume(volume(free), None), None),
            (
                "attached again",
                observed_volume(volume(|_| {}), None),
                Some("attached to i-1"),
            ),
            (
                "creating",
                observed_volume(
                    volume(|v| {
                        free(v);
                        v.state = "creating".into();
                    }),
                    None,
                ),
                Some("creating now"),
            ),
        ],
    );
}

fn observed_snapshot(used_by: Option<&str>, images_complete: bool) -> Observed {
    Observed::Snapshot {
        snapshot: Snapshot {
            id: "snap-1".into(),
            volume_id: None,
            volume_size_gib: 8,
            started: None,
            description: String::new(),
            used_by_image: used_by.map(str::to_string),
        },
        images_complete,
    }
}

#[test]
fn a_snapshot_is_deleted_only_when_every_ami_was_read_and_none_uses_it() {
    let delete = step(Rule::OldSnapshot, Change::DeleteSnapshot);
    check(
        &delete,
        vec![
            (
                "unused, every AMI read",
                observed_snapshot(None, true),
                None,
            ),
            // The AMI listing covers disabled and deprecated AMIs too: any of them counts.
            (
                "used by an AMI",
                observed_snapshot(Some("ami-deprecated"), true),
                Some("ami-deprecated uses it"),
            ),
            (
                "AMI listing incomplete",
                observed_snapshot(None, false),
                Some("nothing proves it unused"),
            ),
            (
                "used and listing incomplete",
                observed_snapshot(Some("ami-1"), false),
                Some("ami-1"),
            ),
        ],
    );
}

fn rule(id: &str, fingerprint: &str) -> LifecycleRuleSeen {
    LifecycleRuleSeen {
        id: id.into(),
        fingerprint: fingerprint.into(),
    }
}

#[test]
fn a_lifecycle_rule_is_added_only_while_every_other_rule_is_exactly_as_scanned() {
    let scanned = vec![rule("expire-tmp", "aaa"), rule("abort-uploads", "bbb")];
    let add = step(
        Rule::S3Tiering,
        Change::AddLifecycleTransition {
            rule_id: LIFECYCLE_RULE_ID.into(),
            ia_after_days: 30,
            glacier_ir_after_days: 90,
            other_rules: others_of(&scanned),
        },
    );
    let bucket = |rules: Vec<LifecycleRuleSeen>, has_transition| Observed::Bucket {
        rules,
        has_transition,
    };
    check(
        &add,
        vec![
            ("as scanned", bucket(scanned.clone(), false), None),
            (
                "listed in another order",
                bucket(
                    vec![rule("abort-uploads", "bbb"), rule("expire-tmp", "aaa")],
                    false,
                ),
                None,
            ),
            (
                "costscope's own rule present (it is replaced)",
                bucket(
                    vec![
                        rule("expire-tmp", "aaa"),
                        rule("abort-uploads", "bbb"),
                        rule(LIFECYCLE_RULE_ID, "old"),
                    ],
                    false,
                ),
                None,
            ),
            // Same number of rules, one of them edited: the count alone would miss it.
            (
                "a rule edited",
                bucket(
                    vec![rule("expire-tmp", "changed"), rule("abort-uploads", "bbb")],
                    false,
                ),
                Some("lifecycle rules changed"),
            ),
            (
                "a rule swapped for another",
                bucket(
                    vec![rule("expire-tmp", "aaa"), rule("keep-logs", "bbb")],
                    false,
                ),
                Some("lifecycle rules changed"),
            ),
            (
                "a rule removed",
                bucket(vec![rule("expire-tmp", "aaa")], false),
                Some("lifecycle rules changed"),
            ),
            (
                "another transition now",
                bucket(scanned.clone(), true),
                Some("transition exists now"),
            ),
            ("bucket gone", Observed::Missing, Some("no longer exists")),
        ],
    );
    // Verification: every earlier rule exactly as it was, plus ours.
    let before = bucket(scanned.clone(), false);
    let mut after_rules = scanned.clone();
    after_rules.push(rule(LIFECYCLE_RULE_ID, "new"));
    assert!(shows_change(&add, &before, &bucket(after_rules, true)).is_ok());
    let lost = vec![rule("expire-tmp", "aaa"), rule(LIFECYCLE_RULE_ID, "new")];
    let why = shows_change(&add, &before, &bucket(lost, true)).unwrap_err();
    assert!(why.contains("abort-uploads"), "{why}");
    let edited = vec![
        rule("expire-tmp", "zzz"),
        rule("abort-uploads", "bbb"),
        rule(LIFECYCLE_RULE_ID, "new"),
    ];
    assert!(shows_change(&add, &before, &bucket(edited, true)).is_err());
}

fn database(edit: impl FnOnce(&mut Database)) -> Observed {
    let mut d = Database {
        id: "db-1".into(),
        class: "db.t3.medium".into(),
        engine: "postgres".into(),
        status: "available".into(),
        multi_az: false,
        read_replica_of: None,
        has_read_replicas: false,
        created: None,
        connections: vec![],
    };
    edit(&mut d);
    Observed::Database(d)
}

#[test]
fn a_database_is_stopped_only_when_available_and_not_aurora_replica_or_multi_az_sql_server() {
    let stop = step(Rule::IdleRds, Change::StopDatabase);
    check(
        &stop,
        vec![
            ("available postgres", database(|_| {}), None),
            ("multi-AZ postgres", database(|d| d.multi_az = true), None),
            (
                "stopped already",
                database(|d| d.status = "stopped".into()),
                Some("stopped now"),
            ),
            (
                "aurora",
                database(|d| d.engine = "aurora-postgresql".into()),
                Some("Aurora"),
            ),
            (
                "a read replica",
                database(|d| d.read_replica_of = Some("db-0".into())),
                Some("read replica"),
            ),
            (
                "a replica's source",
                database(|d| d.has_read_replicas = true),
                Some("read replica"),
            ),
            (
                "multi-AZ SQL Server",
                database(|d| {
                    d.engine = "sqlserver-se".into();
                    d.multi_az = true;
                }),
                Some("Multi-AZ SQL Server"),
            ),
        ],
    );
}

fn address(association: Option<&str>, instance: Option<&str>) -> Observed {
    Observed::Address(ElasticIp {
        allocation_id: "eipalloc-1".into(),
        public_ip: "203.0.113.7".into(),
        association_id: association.map(str::to_string),
        instance_id: instance.map(str::to_string),
    })
}

#[test]
fn an_address_is_released_only_while_still_unassociated() {
    let release = step(Rule::UnassociatedEip, Change::ReleaseAddress);
    check(
        &release,
        vec![
            ("free", address(None, None), None),
            (
                "associated with an instance",
                address(Some("eipassoc-1"), Some("i-9")),
                Some("associated with i-9"),
            ),
            (
                "associated with an interface",
                address(Some("eipassoc-2"), None),
                Some("eipassoc-2"),
            ),
        ],
    );
}

#[test]
fn after_an_unknown_outcome_only_the_untouched_state_counts_as_not_applied() {
    let release = step(Rule::UnassociatedEip, Change::ReleaseAddress);
    assert!(shows_no_change(&release, &address(None, None)).is_some());
    assert!(shows_no_change(&release, &Observed::Missing).is_none());
    let modify = step(
        Rule::Gp2Volume,
        Change::ModifyVolumeToGp3 {
            iops: 3000,
            throughput_mibps: 125,
        },
    );
    assert!(shows_no_change(&modify, &observed_volume(volume(|_| {}), None)).is_some());
    // A modification under way may be ours: neither made nor not made yet.
    let under_way = observed_volume(volume(|_| {}), Some(("modifying", "gp3")));
    assert!(shows_no_change(&modify, &under_way).is_none());
    assert!(shows_change(&modify, &under_way, &under_way).is_err());
}

fn tracked(rule: Rule, status: FindingStatus) -> TrackedFinding {
    TrackedFinding {
        id: 9,
        finding: Finding {
            rule,
            account: "111111111111".into(),
            region: "us-east-1".into(),
            resource: "r-1".into(),
            label: "r-1".into(),
            action: "fix".into(),
            saving: Saving::Unknown {
                reason: "test".into(),
            },
            evidence: Evidence {
                summary: String::new(),
                facts: vec![],
                series: None,
            },
        },
        status,
        first_seen: costscope::domain::Stamp::parse("2026-11-20T07:00:00Z").unwrap(),
        last_seen: costscope::domain::Stamp::parse("2026-11-20T07:00:00Z").unwrap(),
        dismissed_reason: None,
    }
}

fn plan_one(finding: &TrackedFinding, resource: &str, options: &PlanOptions) -> Plan {
    build_plan(
        &[PlanInput {
            finding,
            resource: Some(resource),
            account_name: "sandbox".into(),
        }],
        options,
    )
}

#[test]
fn plans_leave_out_what_cannot_be_changed_safely_and_honour_allow_auto_scaling() {
    let instance_json = |edit: fn(&mut Instance)| {
        let mut i = instance();
        edit(&mut i);
        serde_json::to_string(&i).unwrap()
    };
    let ec2 = tracked(Rule::IdleEc2, FindingStatus::Open);
    let default = PlanOptions::default();
    let refused = |plan: Plan| plan.refused.first().map(|r| r.reason.clone());

    let spot = refused(plan_one(&ec2, &instance_json(|i| i.spot = true), &default)).unwrap();
    assert!(spot.contains("Spot"), "{spot}");
    let asg_json = instance_json(|i| i.auto_scaling_group = Some("web".into()));
    let asg = refused(plan_one(&ec2, &asg_json, &default)).unwrap();
    assert!(asg.contains("allow_auto_scaling"), "{asg}");
    let allowed = PlanOptions {
        allow_auto_scaling: true,
        ..PlanOptions::default()
    };
    let plan = plan_one(&ec2, &asg_json, &allowed);
    assert_eq!(plan.steps.len(), 1, "{:?}", plan.refused);
    assert!(matches!(
        plan.steps[0].change,
        Change::StopInstance {
            allow_auto_scaling: true,
            ..
        }
    ));

    let dismissed = tracked(Rule::IdleEc2, FindingStatus::Dismissed);
    let why = refused(plan_one(&dismissed, &instance_json(|_| {}), &default)).unwrap();
    assert!(why.contains("dismissed"), "{why}");
}

fn plan_of(changes: Vec<(&str, Change)>) -> Plan {
    Plan {
        steps: changes
            .into_iter()
            .map(|(account, change)| {
                let mut s = step(Rule::IdleEc2, change);
                s.account = account.into();
                s.account_name = format!("name-{account}");
                s
            })
            .collect(),
        refused: vec![],
    }
}

fn stop_change() -> Change {
    Change::StopInstance {
        busy_cpu_percent: 5.0,
        allow_auto_scaling: false,
    }
}

#[test]
fn the_confirmation_asks_more_for_deletes_big_plans_and_protected_accounts() {
    let policy = ConfirmPolicy {
        typed_over: 2,
        protected_accounts: vec!["999999999999".into(), "888888888888".into()],
    };
    let typed = |plan: &Plan| match plan.confirmation(&policy) {
        Confirmation::Press => None,
        Confirmation::Type { text, why } => Some((text, why)),
    };
    // Small, reversible, unprotected: a keypress.
    assert_eq!(
        typed(&plan_of(vec![("1", stop_change()), ("1", stop_change())])),
        None
    );
    // Over the size threshold: the count.
    let big = plan_of(vec![
        ("1", stop_change()),
        ("1", stop_change()),
        ("1", stop_change()),
    ]);
    let (text, why) = typed(&big).unwrap();
    assert_eq!(text, "3");
    assert!(why.contains("more than 2"), "{why}");
    // Anything deleted: the count, even for one step.
    let (text, why) = typed(&plan_of(vec![("1", Change::DeleteSnapshot)])).unwrap();
    assert_eq!(text, "1");
    assert!(why.contains("deletes"), "{why}");
    // One protected account: its name, whatever else.
    let (text, why) = typed(&plan_of(vec![
        ("999999999999", stop_change()),
        ("1", Change::ReleaseAddress),
    ]))
    .unwrap();
    assert_eq!(text, "name-999999999999");
    assert!(why.contains("protected"), "{why}");
    // Several protected accounts: the count.
    let (text, why) = typed(&plan_of(vec![
        ("999999999999", stop_change()),
        ("888888888888", stop_change()),
    ]))
    .unwrap();
    assert_eq!(text, "2");
    assert!(why.contains("several protected"), "{why}");
}

#[test]
fn plan_totals_keep_firm_up_to_and_unknown_savings_apart_and_never_wrap() {
    let with_saving = |saving: Saving| PlanStep {
        saving,
        ..step(Rule::IdleEc2, stop_change())
    };
    let firm = |dollars: &str| Saving::Monthly {
        amount: dollars.parse().unwrap(),
        basis: "price table".into(),
    };
    let plan = Plan {
        steps: vec![
            with_saving(firm("400.00")),
            with_saving(firm("12.00")),
            with_saving(Saving::UpTo {
                amount: "80.00".parse().unwrap(),
                basis: "snapshots are incremental".into(),
            }),
            with_saving(Saving::Unknown {
                reason: "no price".into(),
            }),
            with_saving(Saving::Unknown {
                reason: "no price".into(),
            }),
        ],
        refused: vec![],
    };
    assert_eq!(
        plan.saving_label(),
        "$412.00/mo + up to $80.00/mo; 2 with unknown saving"
    );
    let huge = Plan {
        steps: vec![
            with_saving(firm("9000000000")),
            with_saving(firm("9000000000")),
        ],
        refused: vec![],
    };
    assert!(
        huge.saving_label().contains("too large"),
        "{}",
        huge.saving_label()
    );
}
