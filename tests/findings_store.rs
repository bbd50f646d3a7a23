//! Findings across scans in a real SQLite cache: first seen kept, last seen moved,
//! findings of vanished resources closed, dismissals kept, unscanned units untouched.

use costscope::domain::findings::{Evidence, Finding, FindingStatus, Rule, Saving};
use costscope::domain::inventory::StoredResource;
use costscope::domain::Money;
use costscope::store::{FindingFilter, Store, UnitStatus};

fn finding(resource: &str, dollars: i64) -> Finding {
    Finding {
        rule: Rule::UnassociatedEip,
        account: "111111111111".into(),
        region: "us-east-1".into(),
        resource: resource.into(),
        label: "52.0.0.1".into(),
        action: "release the address".into(),
        saving: Saving::Monthly {
            amount: Money::from_dollars(dollars),
            basis: "test".into(),
        },
        evidence: Evidence::default(),
    }
}

fn resource(id: &str) -> StoredResource {
    StoredResource {
        kind: "elastic-ip",
        id: id.into(),
        region: "us-east-1".into(),
        data: "{}".into(),
    }
}

fn open_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    (dir, store)
}

fn all(store: &Store) -> Vec<costscope::domain::findings::TrackedFinding> {
    store
        .findings(&FindingFilter {
            all: true,
            ..FindingFilter::default()
        })
        .unwrap()
}

#[test]
fn rescans_update_findings_instead_of_duplicating_them() {
    let (_dir, mut store) = open_store();
    let a = "111111111111";
    let first = store
        .write_scanned_unit(
            a,
            "us-east-1",
            &[resource("e1"), resource("e2")],
            &[finding("e1", 4), finding("e2", 3)],
            &[],
            costscope::domain::Stamp::parse("2026-11-01T00:00:00.000Z").unwrap(),
        )
        .unwrap();
    assert_eq!((first.new, first.still_open, first.closed), (2, 0, 0));

    // e2 was released: its finding closes; e1 is seen again; e3 is new.
    let second = store
        .write_scanned_unit(
            a,
            "us-east-1",
            &[resource("e1"), resource("e3")],
            &[finding("e1", 4), finding("e3", 5)],
            &[],
            costscope::domain::Stamp::parse("2026-11-02T00:00:00.000Z").unwrap(),
        )
        .unwrap();
    assert_eq!((second.new, second.still_open, second.closed), (1, 1, 1));

    let findings = all(&store);
    assert_eq!(findings.len(), 3, "no duplicates");
    let e1 = findings
        .iter()
        .find(|f| f.finding.resource == "e1")
        .unwrap();
    assert_eq!(
        e1.first_seen,
        costscope::domain::Stamp::parse("2026-11-01T00:00:00.000Z").unwrap()
    );
    assert_eq!(
        e1.last_seen,
        costscope::domain::Stamp::parse("2026-11-02T00:00:00.000Z").unwrap()
    );
    let e2 = findings
        .iter()
        .find(|f| f.finding.resource == "e2")
        .unwrap();
    assert_eq!(e2.status, FindingStatus::Closed);
    let open = store.findings(&FindingFilter::default()).unwrap();
    assert_eq!(
        open.iter()
            .map(|f| f.finding.resource.as_str())
            .collect::<Vec<_>>(),
        ["e3", "e1"],
        "open ones, the largest saving first"
    );
    let counts = store.resource_counts().unwrap();
    assert_eq!(counts, vec![("elastic-ip".to_string(), 2)]);
}

#[test]
fn a_dismissed_finding_stays_dismissed_across_rescans() {
    let (_dir, mut store) = open_store();
    let a = "111111111111";
    store
        .write_scanned_unit(
            a,
            "us-east-1",
            &[],
            &[finding("e1", 4)],
            &[],
            costscope::domain::Stamp::parse("2026-11-01T00:00:00.000Z").unwrap(),
        )
        .unwrap();
    let id = all(&store)[0].id;
    assert!(store
        .dismiss_finding(
            id,
            "kept for DR failover",
            costscope::domain::Stamp::parse("2026-11-01T01:00:00Z").unwrap()
        )
        .unwrap());
    store
        .write_scanned_unit(
            a,
            "us-east-1",
            &[],
            &[finding("e1", 4)],
            &[],
            costscope::domain::Stamp::parse("2026-11-02T00:00:00.000Z").unwrap(),
        )
        .unwrap();
    let f = &all(&store)[0];
    assert_eq!(f.status, FindingStatus::Dismissed);
    assert_eq!(f.dismissed_reason.as_deref(), Some("kept for DR failover"));
    assert!(store
        .findings(&FindingFilter::default())
        .unwrap()
        .is_empty());
    assert!(store.restore_finding(id).unwrap());
    assert_eq!(all(&store)[0].status, FindingStatus::Open);
    assert!(
        !store
            .dismiss_finding(9999, "x", costscope::domain::Stamp::now())
            .unwrap(),
        "no such finding"
    );
}

#[test]
fn a_unit_that_could_not_be_scanned_keeps_its_findings() {
    let (_dir, mut store) = open_store();
    let a = "111111111111";
    store
        .write_scanned_unit(
            a,
            "us-east-1",
            &[resource("e1")],
            &[finding("e1", 4)],
            &[],
            costscope::domain::Stamp::parse("2026-11-01T00:00:00.000Z").unwrap(),
        )
        .unwrap();
    store
        .record_unscanned_unit(
            a,
            "us-east-1",
            UnitStatus::NotScanned,
            "access denied",
            costscope::domain::Stamp::parse("2026-11-02T00:00:00.000Z").unwrap(),
        )
        .unwrap();
    assert_eq!(
        all(&store)[0].status,
        FindingStatus::Open,
        "unknown is not fixed"
    );
    let units = store.scan_units().unwrap();
    assert_eq!(units.len(), 1);
    assert_eq!(units[0].status, UnitStatus::NotScanned);
    assert_eq!(units[0].reason.as_deref(), Some("access denied"));
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn a_rule_that_could_not_read_its_evidence_closes_nothing_and_makes_the_unit_partial() {
    use costscope::domain::inventory::Unread;
    let (_dir, mut store) = open_store();
    let a = "111111111111";
    store
        .write_scanned_unit(
            a,
            "us-east-1",
            &[resource("e1"), resource("e2")],
            &[finding("e1", 4), finding("e2", 3)],
            &[],
            costscope::domain::Stamp::parse("2026-11-01T00:00:00.000Z").unwrap(),
        )
        .unwrap();
    // The next scan could not read e1's evidence, and saw neither finding again.
    let unread = [Unread {
        rule: Rule::UnassociatedEip,
        resource: Some("e1".into()),
        reason: "DescribeAddresses: access denied".into(),
    }];
    let changes = store
        .write_scanned_unit(
            a,
            "us-east-1",
            &[],
            &[],
            &unread,
            costscope::domain::Stamp::parse("2026-11-02T00:00:00.000Z").unwrap(),
        )
        .unwrap();
    assert_eq!(
        changes.closed, 1,
        "only the finding whose evidence was read closes"
    );
    let findings = all(&store);
    let status_of = |r: &str| {
        findings
            .iter()
            .find(|t| t.finding.resource == r)
            .unwrap()
            .status
    };
    assert_eq!(status_of("e1"), FindingStatus::Open, "unknown is not fixed");
    assert_eq!(status_of("e2"), FindingStatus::Closed);
    let unit = store
        .scan_units()
        .unwrap()
        .into_iter()
        .find(|u| u.unit == "us-east-1")
        .unwrap();
    assert_eq!(unit.status, UnitStatus::Partial);
    let reason = unit.reason.unwrap();
    assert!(
        reason.contains("e1") && reason.contains("access denied"),
        "{reason}"
    );

    // A rule that could not run at all keeps every one of its findings in the unit.
    store
        .write_scanned_unit(
            a,
            "us-east-1",
            &[],
            &[finding("e1", 4), finding("e3", 1)],
            &[],
            costscope::domain::Stamp::parse("2026-11-03T00:00:00.000Z").unwrap(),
        )
        .unwrap();
    let rule_wide = [Unread {
        rule: Rule::UnassociatedEip,
        resource: None,
        reason: "listing failed".into(),
    }];
    let changes = store
        .write_scanned_unit(
            a,
            "us-east-1",
            &[],
            &[],
            &rule_wide,
            costscope::domain::Stamp::parse("2026-11-04T00:00:00.000Z").unwrap(),
        )
        .unwrap();
    assert_eq!(changes.closed, 0);
    let open: Vec<String> = all(&store)
        .iter()
        .filter(|t| t.status == FindingStatus::Open)
        .map(|t| t.finding.resource.clone())
        .collect();
    assert_eq!(open, ["e1", "e3"]);
}

#[test]
fn the_savings_badges_read_the_open_findings_and_their_savings_without_evidence() {
    let (_dir, mut store) = open_store();
    let at = costscope::domain::Stamp::parse("2026-11-01T00:00:00.000Z").unwrap();
    let mut with_evidence = finding("e3", 2);
    with_evidence.evidence = Evidence {
        facts: vec![("state".into(), "unattached".into())],
        ..Evidence::default()
    };
    store
        .write_scanned_unit(
            "111111111111",
            "us-east-1",
            &[],
            &[finding("e1", 4), finding("e2", 3), with_evidence],
            &[],
            at,
        )
        .unwrap();
    let dismissed = all(&store)
        .iter()
        .find(|f| f.finding.resource == "e2")
        .unwrap()
        .id;
    assert!(store.dismiss_finding(dismissed, "planned", at).unwrap());

    // One resource's findings together: by account, region and resource.
    let lean = store.open_finding_savings().unwrap();
    let mut full = store.findings(&FindingFilter::default()).unwrap();
    full.sort_by(|a, b| {
        let place = |t: &costscope::domain::findings::TrackedFinding| {
            let f = &t.finding;
            (f.account.clone(), f.region.clone(), f.resource.clone())
        };
        place(a).cmp(&place(b))
    });
    assert_eq!(
        lean.iter()
            .map(|f| (
                f.id,
                f.rule,
                f.account.clone(),
                f.region.clone(),
                f.resource.clone(),
                f.saving.clone()
            ))
            .collect::<Vec<_>>(),
        full.iter()
            .map(|t| {
                let f = &t.finding;
                (
                    t.id,
                    f.rule,
                    f.account.clone(),
                    f.region.clone(),
                    f.resource.clone(),
                    f.saving.clone(),
                )
            })
            .collect::<Vec<_>>(),
        "the open findings, the dismissed one left out"
    );
    assert_eq!(
        lean.iter().map(|f| f.resource.as_str()).collect::<Vec<_>>(),
        ["e1", "e3"]
    );
    let e3 = full.iter().find(|f| f.finding.resource == "e3").unwrap();
    assert_eq!(
        e3.finding.evidence.facts.len(),
        1,
        "the full list still reads evidence"
    );
}

#[test]
fn the_findings_list_reads_only_the_evidence_summary_and_one_finding_whole() {
    let (_dir, mut store) = open_store();
    let at = costscope::domain::Stamp::parse("2026-11-01T00:00:00.000Z").unwrap();
    let mut with_evidence = finding("e1", 2);
    with_evidence.evidence = Evidence {
        summary: "unattached for 40 days".into(),
        facts: vec![("state".into(), "available".into())],
        series: None,
    };
    store
        .write_scanned_unit(
            "111111111111",
            "us-east-1",
            &[],
            &[with_evidence.clone(), finding("e2", 3)],
            &[],
            at,
        )
        .unwrap();
    let mut listed = store.finding_list(&FindingFilter::default()).unwrap();
    listed.sort_by_key(|t| t.finding.resource.clone());
    let e1 = &listed[0];
    assert_eq!(listed.len(), 2);
    assert_eq!(
        e1.finding.evidence,
        Evidence {
            summary: "unattached for 40 days".into(),
            ..Evidence::default()
        },
        "the list keeps the summary and leaves the facts"
    );
    assert_eq!(
        (e1.finding.label.as_str(), &e1.finding.saving),
        (with_evidence.label.as_str(), &with_evidence.saving)
    );
    let whole = store
        .findings(&FindingFilter {
            id: Some(e1.id),
            ..FindingFilter::default()
        })
        .unwrap();
    assert_eq!(whole.len(), 1);
    assert_eq!(whole[0].finding.evidence, with_evidence.evidence);
}
