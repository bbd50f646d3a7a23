//! Findings: what a rule found, what to do about it, what it saves and why.

use super::money::MoneyOverflow;
use super::stamp::Stamp;
use super::Money;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The optimizer's rules. The name is what users type (`--rule gp2-volume`) and what the
/// cache stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    IdleEc2,
    Gp2Volume,
    UnattachedVolume,
    OldSnapshot,
    S3Tiering,
    IdleRds,
    UnassociatedEip,
}

impl Rule {
    pub const ALL: [Rule; 7] = [
        Rule::IdleEc2,
        Rule::Gp2Volume,
        Rule::UnattachedVolume,
        Rule::OldSnapshot,
        Rule::S3Tiering,
        Rule::IdleRds,
        Rule::UnassociatedEip,
    ];

    /// The rule's row of `SPECS`.
    pub fn spec(self) -> &'static RuleSpec {
        &SPECS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn parse(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == name)
    }

    pub fn title(self) -> &'static str {
        self.spec().title
    }

    /// The kind of resource it is about, as the inventory stores it.
    pub fn resource_kind(self) -> &'static str {
        self.spec().resource_kind.name()
    }

    /// The kind of resource it is about.
    pub fn kind(self) -> ResourceKind {
        self.spec().resource_kind
    }

    /// The Cost Explorer service whose cost this finding explains.
    pub fn cost_service(self) -> &'static str {
        self.spec().cost_service
    }
}

/// The kinds of resource the scan reads and the rules judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    Instance,
    Volume,
    Snapshot,
    Bucket,
    Database,
    Address,
}

impl ResourceKind {
    /// As the inventory stores it.
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::Instance => "ec2-instance",
            ResourceKind::Volume => "ebs-volume",
            ResourceKind::Snapshot => "ebs-snapshot",
            ResourceKind::Bucket => "s3-bucket",
            ResourceKind::Database => "rds-instance",
            ResourceKind::Address => "elastic-ip",
        }
    }
}

/// What each rule is, in one table: its id (what users type and the cache stores),
/// title, the resource kind it judges, the evidence it reads, how its saving is
/// counted, the remediation it offers, and the Cost Explorer service it explains. The
/// evaluation is `domain::rules::<rule>`; the remediation `domain::remediation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSpec {
    pub rule: Rule,
    pub name: &'static str,
    pub title: &'static str,
    pub resource_kind: ResourceKind,
    pub cost_service: &'static str,
    pub evidence: &'static str,
    pub saving: &'static str,
    pub remediation: &'static str,
}

/// In `Rule` order.
pub const SPECS: [RuleSpec; 7] = [
    RuleSpec {
        rule: Rule::IdleEc2,
        name: "idle-ec2",
        title: "Idle EC2 instance",
        resource_kind: ResourceKind::Instance,
        cost_service: "Amazon Elastic Compute Cloud - Compute",
        evidence: "daily max CPUUtilization and NetworkIn+Out over the look-back window",
        saving: "on-demand hourly price x 730 h",
        remediation: "StopInstances (DryRun first)",
    },
    RuleSpec {
        rule: Rule::Gp2Volume,
        name: "gp2-volume",
        title: "gp2 volume (move to gp3)",
        resource_kind: ResourceKind::Volume,
        cost_service: "EC2 - Other",
        evidence: "volume type and size (gp2's IOPS and throughput follow from the size)",
        saving: "gp2 price - gp3 price at gp2's IOPS and throughput",
        remediation: "ModifyVolume to gp3 at the same IOPS and throughput",
    },
    RuleSpec {
        rule: Rule::UnattachedVolume,
        name: "unattached-volume",
        title: "Unattached EBS volume",
        resource_kind: ResourceKind::Volume,
        cost_service: "EC2 - Other",
        evidence: "state available and the volume's age",
        saving: "volume price - a full-size snapshot's",
        remediation: "CreateSnapshot (tagged), then DeleteVolume",
    },
    RuleSpec {
        rule: Rule::OldSnapshot,
        name: "old-snapshot",
        title: "Old EBS snapshot",
        resource_kind: ResourceKind::Snapshot,
        cost_service: "EC2 - Other",
        evidence: "start time, and no registered AMI that uses it",
        saving: "at most the volume size x the snapshot GiB-month price",
        remediation: "DeleteSnapshot",
    },
    RuleSpec {
        rule: Rule::S3Tiering,
        name: "s3-tiering",
        title: "S3 bucket without tiering",
        resource_kind: ResourceKind::Bucket,
        cost_service: "Amazon Simple Storage Service",
        evidence: "BucketSizeBytes per storage class, and the lifecycle rules",
        saving: "at most Standard GiB x (Standard - Standard-IA price)",
        remediation: "PutBucketLifecycleConfiguration adding a transition (rules merged)",
    },
    RuleSpec {
        rule: Rule::IdleRds,
        name: "idle-rds",
        title: "Idle RDS instance",
        resource_kind: ResourceKind::Database,
        cost_service: "Amazon Relational Database Service",
        evidence: "daily max DatabaseConnections over the look-back window",
        saving: "instance hourly price x 730 h (x 2 Multi-AZ); storage keeps billing",
        remediation: "StopDBInstance (or delete with a final snapshot)",
    },
    RuleSpec {
        rule: Rule::UnassociatedEip,
        name: "unassociated-eip",
        title: "Unassociated Elastic IP",
        resource_kind: ResourceKind::Address,
        cost_service: "Amazon Virtual Private Cloud",
        evidence: "no association",
        saving: "public IPv4 hourly price x 730 h",
        remediation: "ReleaseAddress",
    },
];

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a rule fired: the facts it read and, where there is one, the metric it judged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// One line for the findings table.
    pub summary: String,
    /// Label and value of each fact (age, configuration, averages).
    pub facts: Vec<(String, String)>,
    /// The metric judged, daily over the look-back window, oldest first.
    pub series: Option<MetricSeries>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSeries {
    pub name: String,
    pub unit: String,
    pub values: Vec<f64>,
}

/// How sure the saving is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Saving {
    /// The monthly saving from the price table.
    Monthly { amount: Money, basis: String },
    /// At most this much (snapshots are incremental; tiering depends on access).
    UpTo { amount: Money, basis: String },
    /// The price table has no price for this resource.
    Unknown { reason: String },
}

impl Saving {
    pub fn amount(&self) -> Option<Money> {
        match self {
            Saving::Monthly { amount, .. } | Saving::UpTo { amount, .. } => Some(*amount),
            Saving::Unknown { .. } => None,
        }
    }

    pub fn basis(&self) -> &str {
        match self {
            Saving::Monthly { basis, .. } | Saving::UpTo { basis, .. } => basis,
            Saving::Unknown { reason } => reason,
        }
    }

    pub fn is_upper_bound(&self) -> bool {
        matches!(self, Saving::UpTo { .. })
    }

    /// `$12.34/mo`, `≤ $5.00/mo`, or `unknown`.
    pub fn per_month_label(&self) -> String {
        match self {
            Saving::Monthly { amount, .. } => format!("{}/mo", amount.format_exact()),
            Saving::UpTo { amount, .. } => format!("≤ {}/mo", amount.format_exact()),
            Saving::Unknown { .. } => "saving unknown".to_string(),
        }
    }

    pub fn yearly(&self) -> Option<Money> {
        self.amount().map(|m| m.scale(12, 1))
    }
}

/// Savings added up without mixing what is known apart: firm estimates, upper bounds
/// ("up to": snapshots, tiering) and findings whose saving is unknown. Checked: a sum
/// that does not fit is an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SavingsTotal {
    pub findings: u64,
    /// The sum of the firm monthly savings.
    pub monthly: Money,
    /// The sum of the upper bounds.
    pub up_to_monthly: Money,
    /// Findings whose saving is unknown (counted, never added as zero).
    pub unknown: u64,
    /// Findings on a resource whose larger saving is counted already (counted, not
    /// added: see `alternatives`).
    pub alternatives: u64,
}

impl SavingsTotal {
    pub fn add(&mut self, saving: &Saving) -> Result<(), MoneyOverflow> {
        self.findings += 1;
        match saving {
            Saving::Monthly { amount, .. } => self.monthly = self.monthly.checked_add(*amount)?,
            Saving::UpTo { amount, .. } => {
                self.up_to_monthly = self.up_to_monthly.checked_add(*amount)?
            }
            Saving::Unknown { .. } => self.unknown += 1,
        }
        Ok(())
    }

    /// A finding whose resource's saving another finding already counts.
    pub fn add_alternative(&mut self) {
        self.findings += 1;
        self.alternatives += 1;
    }

    pub fn of<'a>(savings: impl IntoIterator<Item = &'a Saving>) -> Result<Self, MoneyOverflow> {
        let mut total = SavingsTotal::default();
        for saving in savings {
            total.add(saving)?;
        }
        Ok(total)
    }

    /// Firm and up-to together: the most these findings could save a month.
    pub fn at_most(&self) -> Result<Money, MoneyOverflow> {
        self.monthly.checked_add(self.up_to_monthly)
    }

    /// "$412.00/mo + up to $80.00/mo; 2 with unknown saving". `scale` 12 gives a year.
    pub fn label(&self, per: &str, scale: i64, format: fn(Money) -> String) -> String {
        let mut parts = vec![format!("{}/{per}", format(self.monthly.scale(scale, 1)))];
        if self.up_to_monthly != Money::ZERO {
            parts[0].push_str(&format!(
                " + up to {}/{per}",
                format(self.up_to_monthly.scale(scale, 1))
            ));
        }
        if self.unknown > 0 {
            parts.push(format!("{} with unknown saving", self.unknown));
        }
        if self.alternatives > 0 {
            parts.push(format!(
                "{} not added",
                super::words::plural(self.alternatives, "alternative")
            ));
        }
        parts.join("; ")
    }

    pub fn per_month_label(&self) -> String {
        self.label("mo", 1, Money::format_exact)
    }
}

/// One finding as a rule produces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub account: String,
    pub region: String,
    pub resource: String,
    /// Name tag, type or size: what a person recognises the resource by.
    pub label: String,
    /// What to do, in words ("stop the instance", "modify to gp3 at 3000 IOPS, 128 MiB/s").
    pub action: String,
    pub saving: Saving,
    pub evidence: Evidence,
}

/// Where a finding stands across scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingStatus {
    Open,
    Dismissed,
    /// The resource is gone or no longer matches the rule.
    Closed,
    /// costscope applied its remediation and verified it.
    Applied,
}

impl FindingStatus {
    pub fn name(self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::Dismissed => "dismissed",
            FindingStatus::Closed => "closed",
            FindingStatus::Applied => "applied",
        }
    }

    pub fn parse(name: &str) -> Option<FindingStatus> {
        [
            FindingStatus::Open,
            FindingStatus::Dismissed,
            FindingStatus::Closed,
            FindingStatus::Applied,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

/// A finding as the cache holds it: with its id, history and status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackedFinding {
    pub id: i64,
    #[serde(flatten)]
    pub finding: Finding,
    pub status: FindingStatus,
    pub first_seen: Stamp,
    pub last_seen: Stamp,
    pub dismissed_reason: Option<String>,
}

/// An open finding as the cost views' savings badges read it: what settles which of a
/// resource's findings counts (`alternatives::counted_among`), and where it is billed.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenSaving {
    pub id: i64,
    pub rule: Rule,
    pub account: String,
    pub region: String,
    pub resource: String,
    pub saving: Saving,
}
