//! One resource, one saving. Several rules can find the same resource (an unattached
//! gp2 volume is both "unattached" and "gp2"), and their actions exclude each other:
//! deleting the volume makes converting it moot. Of the open findings on one resource
//! only the largest saving counts in a total; the others are its alternatives.

use super::findings::{FindingStatus, Rule, Saving, SavingsTotal, TrackedFinding};
use super::money::{Money, MoneyOverflow};
// FxHash: the keys are ours, and a 5,000-account org has tens of thousands of findings.
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Which open findings are alternatives to another on the same resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alternatives {
    /// Finding id → the id of the finding on the same resource whose saving counts.
    instead: FxHashMap<i64, i64>,
}

/// The resource a finding is about, whatever the rule.
fn resource_of(t: &TrackedFinding) -> (&str, &str, &str) {
    let f = &t.finding;
    (&f.account, &f.region, &f.resource)
}

/// How a finding ranks against another on its resource: the larger saving; a firm
/// estimate over an upper bound of the same amount (an unknown saving ranks last); then
/// the rule listed first, so the choice never depends on the order of the list.
fn rank(saving: &Saving, rule: Rule) -> Rank {
    (
        saving.amount(),
        !saving.is_upper_bound(),
        std::cmp::Reverse(rule),
    )
}

type Rank = (Option<Money>, bool, std::cmp::Reverse<Rule>);

fn rank_of(t: &TrackedFinding) -> Rank {
    rank(&t.finding.saving, t.finding.rule)
}

/// Among one resource's open findings, given as (saving, rule), the position of the
/// one whose saving counts (the others are its alternatives); None for no findings.
pub fn counted_among<'a>(findings: impl IntoIterator<Item = (&'a Saving, Rule)>) -> Option<usize> {
    let mut best: Option<(usize, Rank)> = None;
    for (i, (saving, rule)) in findings.into_iter().enumerate() {
        let r = rank(saving, rule);
        if best.as_ref().is_none_or(|(_, b)| r > *b) {
            best = Some((i, r));
        }
    }
    best.map(|(i, _)| i)
}

impl Alternatives {
    /// Among these findings (only the open ones take part).
    pub fn among<'a>(findings: impl IntoIterator<Item = &'a TrackedFinding>) -> Alternatives {
        let mut best: FxHashMap<(&str, &str, &str), &TrackedFinding> = FxHashMap::default();
        let mut open = Vec::new();
        for t in findings {
            if t.status != FindingStatus::Open {
                continue;
            }
            open.push(t);
            best.entry(resource_of(t))
                .and_modify(|b| {
                    if rank_of(t) > rank_of(b) {
                        *b = t
                    }
                })
                .or_insert(t);
        }
        let instead = open
            .into_iter()
            .filter_map(|t| {
                let winner = best.get(&resource_of(t))?;
                (winner.id != t.id).then_some((t.id, winner.id))
            })
            .collect();
        Alternatives { instead }
    }

    /// The finding whose saving counts instead of this one's, if another does.
    pub fn instead_of(&self, id: i64) -> Option<i64> {
        self.instead.get(&id).copied()
    }

    /// The savings of these findings, each resource once.
    pub fn total<'a>(
        &self,
        findings: impl IntoIterator<Item = &'a TrackedFinding>,
    ) -> Result<SavingsTotal, MoneyOverflow> {
        let mut total = SavingsTotal::default();
        for t in findings {
            self.add(&mut total, t)?;
        }
        Ok(total)
    }

    /// The savings of these findings by a key (rule, account, ...), each resource once
    /// in all of them together: an alternative adds to its key's count, not its sum.
    pub fn totals_by<'a, K: Ord>(
        &self,
        findings: impl IntoIterator<Item = &'a TrackedFinding>,
        key: impl Fn(&'a TrackedFinding) -> K,
    ) -> Result<BTreeMap<K, SavingsTotal>, MoneyOverflow> {
        let mut out: BTreeMap<K, SavingsTotal> = BTreeMap::new();
        for t in findings {
            self.add(out.entry(key(t)).or_default(), t)?;
        }
        Ok(out)
    }

    /// Counts `t` into `total`: its saving, or as an alternative.
    pub fn add(&self, total: &mut SavingsTotal, t: &TrackedFinding) -> Result<(), MoneyOverflow> {
        if self.instead.contains_key(&t.id) {
            total.add_alternative();
            Ok(())
        } else {
            total.add(&t.finding.saving)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::findings::{Evidence, Finding, Saving};

    fn finding(id: i64, rule: Rule, resource: &str, saving: Saving) -> TrackedFinding {
        let at = crate::domain::Stamp::parse("2026-11-20T06:00:00Z").unwrap();
        TrackedFinding {
            id,
            finding: Finding {
                rule,
                account: "111111111111".into(),
                region: "us-east-1".into(),
                resource: resource.into(),
                label: String::new(),
                action: String::new(),
                saving,
                evidence: Evidence::default(),
            },
            status: FindingStatus::Open,
            first_seen: at,
            last_seen: at,
            dismissed_reason: None,
        }
    }

    fn monthly(dollars: i64) -> Saving {
        Saving::Monthly {
            amount: Money::from_dollars(dollars),
            basis: String::new(),
        }
    }

    #[test]
    fn one_resource_counts_once_with_its_larger_saving_in_every_total() {
        let gp2 = finding(1, Rule::Gp2Volume, "vol-1", monthly(15));
        let unattached = finding(2, Rule::UnattachedVolume, "vol-1", monthly(50));
        let other = finding(3, Rule::Gp2Volume, "vol-2", monthly(15));
        // Either order gives the same choice.
        for list in [
            vec![gp2.clone(), unattached.clone(), other.clone()],
            vec![other.clone(), unattached.clone(), gp2.clone()],
        ] {
            let alternatives = Alternatives::among(&list);
            assert_eq!(alternatives.instead_of(1), Some(2));
            assert_eq!(alternatives.instead_of(2), None);
            assert_eq!(alternatives.instead_of(3), None);
            let total = alternatives.total(&list).unwrap();
            assert_eq!(total.monthly, Money::from_dollars(65));
            assert_eq!((total.findings, total.alternatives), (3, 1));
            let by_rule = alternatives.totals_by(&list, |t| t.finding.rule).unwrap();
            assert_eq!(by_rule[&Rule::Gp2Volume].monthly, Money::from_dollars(15));
            assert_eq!(by_rule[&Rule::Gp2Volume].alternatives, 1);
            assert_eq!(
                by_rule[&Rule::UnattachedVolume].monthly,
                Money::from_dollars(50)
            );
        }
        assert!(Alternatives::among(&[gp2.clone(), unattached.clone()])
            .total(&[gp2.clone(), unattached.clone()])
            .unwrap()
            .label("mo", 1, Money::format_exact)
            .contains("1 alternative not added"));
    }

    #[test]
    fn a_dismissed_finding_leaves_the_other_to_count_and_a_known_saving_beats_an_unknown() {
        let gp2 = finding(1, Rule::Gp2Volume, "vol-1", monthly(15));
        let mut unattached = finding(2, Rule::UnattachedVolume, "vol-1", monthly(50));
        unattached.status = FindingStatus::Dismissed;
        assert_eq!(
            Alternatives::among(&[gp2.clone(), unattached]).instead_of(1),
            None
        );
        let unknown = finding(
            2,
            Rule::UnattachedVolume,
            "vol-1",
            Saving::Unknown {
                reason: "no price".into(),
            },
        );
        let alternatives = Alternatives::among(&[gp2, unknown]);
        assert_eq!(alternatives.instead_of(2), Some(1));
    }

    #[test]
    fn a_resources_findings_read_together_settle_on_the_same_finding_as_the_whole_list() {
        let up_to = |dollars| Saving::UpTo {
            amount: Money::from_dollars(dollars),
            basis: String::new(),
        };
        let unknown = Saving::Unknown {
            reason: String::new(),
        };
        let groups = [
            vec![
                (Rule::Gp2Volume, monthly(15)),
                (Rule::UnattachedVolume, monthly(50)),
            ],
            vec![
                (Rule::UnattachedVolume, monthly(50)),
                (Rule::Gp2Volume, monthly(15)),
            ],
            // A firm estimate beats an upper bound of the same amount; equal ones go to
            // the rule listed first; any known saving beats an unknown one.
            vec![
                (Rule::OldSnapshot, up_to(20)),
                (Rule::Gp2Volume, monthly(20)),
            ],
            vec![
                (Rule::UnattachedVolume, monthly(20)),
                (Rule::Gp2Volume, monthly(20)),
            ],
            vec![
                (Rule::Gp2Volume, unknown.clone()),
                (Rule::UnattachedVolume, monthly(1)),
            ],
        ];
        for group in groups {
            let tracked: Vec<TrackedFinding> = group
                .iter()
                .enumerate()
                .map(|(i, (rule, saving))| finding(i as i64, *rule, "vol-1", saving.clone()))
                .collect();
            let alternatives = Alternatives::among(&tracked);
            let counted = counted_among(group.iter().map(|(rule, s)| (s, *rule))).unwrap();
            for t in &tracked {
                let expected = if t.id == counted as i64 {
                    None
                } else {
                    Some(counted as i64)
                };
                assert_eq!(alternatives.instead_of(t.id), expected, "{group:?}");
            }
        }
        assert_eq!(counted_among(std::iter::empty()), None);
    }
}
