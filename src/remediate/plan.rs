//! Building a plan from findings in the cache: each finding with the resource as the
//! last scan recorded it and its account's name.

use crate::domain::findings::{FindingStatus, TrackedFinding};
use crate::domain::remediation::{build_plan, Plan, PlanInput, PlanOptions, Refusal};
use crate::store::{FindingFilter, Store, StoreResult};
use std::collections::HashMap;

/// Every finding in the cache (dismissed, closed and applied ones too), by id.
fn findings_by_id(store: &Store) -> StoreResult<HashMap<i64, TrackedFinding>> {
    Ok(store
        .findings(&FindingFilter {
            all: true,
            ..FindingFilter::default()
        })?
        .into_iter()
        .map(|t| (t.id, t))
        .collect())
}

/// The plan for these finding ids, in the order given. Unknown ids are refused.
pub fn plan_findings(store: &Store, ids: &[i64], options: &PlanOptions) -> StoreResult<Plan> {
    let (org, _) = store.organization()?;
    let name_of = |account: &str| {
        org.accounts
            .iter()
            .find(|a| a.id == account)
            .map_or_else(|| account.to_string(), |a| a.name.clone())
    };
    let mut by_id = findings_by_id(store)?;
    let mut findings = Vec::new();
    let mut unknown = Vec::new();
    for &id in ids {
        match by_id.remove(&id) {
            Some(t) => {
                let data = store.resource_data(
                    &t.finding.account,
                    t.finding.rule.resource_kind(),
                    &t.finding.resource,
                )?;
                findings.push((t, data));
            }
            None => unknown.push(id),
        }
    }
    let inputs: Vec<PlanInput> = findings
        .iter()
        .map(|(t, data)| PlanInput {
            finding: t,
            resource: data.as_deref(),
            account_name: name_of(&t.finding.account),
        })
        .collect();
    let mut plan = build_plan(&inputs, options);
    plan.refused.extend(unknown.into_iter().map(|id| Refusal {
        finding_id: id,
        resource: String::new(),
        reason: "there is no such finding in the cache".into(),
    }));
    Ok(plan)
}

/// A saved plan checked against the cache now: each step runs only if its finding is
/// still open and still about the same resource; the others are left out with why.
pub fn recheck(store: &Store, plan: Plan) -> StoreResult<Plan> {
    let findings = findings_by_id(store)?;
    let mut checked = Plan {
        steps: Vec::new(),
        refused: plan.refused,
    };
    for step in plan.steps {
        let why = match findings.get(&step.finding_id) {
            None => Some("the finding is no longer in the cache".to_string()),
            Some(t) if t.status != FindingStatus::Open => {
                Some(format!("the finding is {} now", t.status.name()))
            }
            Some(t)
                if (
                    t.finding.rule,
                    t.finding.account.as_str(),
                    t.finding.region.as_str(),
                    t.finding.resource.as_str(),
                ) != (
                    step.rule,
                    step.account.as_str(),
                    step.region.as_str(),
                    step.resource.as_str(),
                ) =>
            {
                Some("the finding now describes another resource".to_string())
            }
            Some(_) => None,
        };
        match why {
            Some(reason) => checked.refused.push(Refusal {
                finding_id: step.finding_id,
                resource: step.resource,
                reason: format!("saved plan: {reason}"),
            }),
            None => checked.steps.push(step),
        }
    }
    Ok(checked)
}
