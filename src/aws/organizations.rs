//! AWS Organizations: the root, the OU tree and every account, paginated to the end.

use super::{map_error, SourceError};
use crate::domain::{Account, AccountStatus, OrgUnit, Organization};
use aws_sdk_organizations::Client;

/// The organization and the number of requests (pages) it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedOrganization {
    pub organization: Organization,
    pub requests: u32,
}

/// The whole organization. Every listing is followed to its last page (ListAccounts
/// pages can be empty while a token remains; the paginator handles that).
pub async fn fetch_organization(client: &Client) -> Result<FetchedOrganization, SourceError> {
    let mut requests = 0;
    let roots: Vec<_> = all_pages!(client.list_roots(), "ListRoots", roots, requests);
    let mut units = Vec::new();
    let mut parents: Vec<String> = Vec::new();
    for root in &roots {
        let id = root.id().unwrap_or_default().to_string();
        units.push(OrgUnit {
            id: id.clone(),
            parent_id: None,
            name: root.name().unwrap_or("Root").to_string(),
        });
        parents.push(id);
    }
    // Breadth-first over the OU tree; `parents` grows as children are found.
    let mut next = 0;
    while next < parents.len() {
        let parent = parents[next].clone();
        next += 1;
        let children: Vec<_> = all_pages!(
            client
                .list_organizational_units_for_parent()
                .parent_id(&parent),
            "ListOrganizationalUnitsForParent",
            organizational_units,
            requests
        );
        for ou in children {
            let id = ou.id().unwrap_or_default().to_string();
            units.push(OrgUnit {
                id: id.clone(),
                parent_id: Some(parent.clone()),
                name: ou.name().unwrap_or_default().to_string(),
            });
            parents.push(id);
        }
    }
    let mut unit_of: std::collections::HashMap<String, String> = Default::default();
    for parent in &parents {
        let members: Vec<_> = all_pages!(
            client.list_accounts_for_parent().parent_id(parent),
            "ListAccountsForParent",
            accounts,
            requests
        );
        for a in members {
            unit_of.insert(a.id().unwrap_or_default().to_string(), parent.clone());
        }
    }
    // ListAccounts pages hold at most 20 accounts and can be empty while a token remains;
    // the paginator follows the token to the end either way.
    let listed: Vec<_> = all_pages!(client.list_accounts(), "ListAccounts", accounts, requests);
    let accounts = listed
        .iter()
        .map(|a| {
            let id = a.id().unwrap_or_default().to_string();
            #[allow(deprecated)]
            let status = a.status().map(|s| s.as_str()).unwrap_or("ACTIVE");
            Account {
                name: a.name().unwrap_or(&id).to_string(),
                email: a.email().unwrap_or_default().to_string(),
                status: AccountStatus::parse(status),
                ou_id: unit_of.get(&id).cloned().unwrap_or_default(),
                joined: a
                    .joined_timestamp()
                    .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), 0))
                    .map(|t| t.date_naive()),
                id,
            }
        })
        .collect();
    Ok(FetchedOrganization {
        organization: Organization { units, accounts },
        requests,
    })
}
