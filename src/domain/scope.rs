//! Whose costs a cache holds. Cost Explorer answers for the whole organization only in
//! its management account; anywhere else it sees one account. Each scope gets its own
//! cache, so two organizations (or an organization and one of its members) never mix.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CostScope {
    /// Signed in to the management account: every account of the organization.
    Organization {
        id: String,
        management_account: String,
    },
    /// Signed in to a member account: Cost Explorer shows this account only.
    MemberAccount {
        account: String,
        organization: String,
        management_account: String,
    },
    /// An account outside any organization, or one whose organization cannot be read.
    Account { account: String },
}

impl CostScope {
    /// From the signed-in account and, if it is in one, its organization (id, management
    /// account).
    pub fn of(caller_account: &str, organization: Option<(&str, &str)>) -> CostScope {
        match organization {
            Some((id, management)) if management == caller_account => CostScope::Organization {
                id: id.to_string(),
                management_account: management.to_string(),
            },
            Some((id, management)) => CostScope::MemberAccount {
                account: caller_account.to_string(),
                organization: id.to_string(),
                management_account: management.to_string(),
            },
            None => CostScope::Account {
                account: caller_account.to_string(),
            },
        }
    }

    /// A name safe for a file: "org-o-abc123" or "account-123456789012".
    pub fn key(&self) -> String {
        match self {
            CostScope::Organization { id, .. } => format!("org-{id}"),
            CostScope::MemberAccount { account, .. } | CostScope::Account { account } => {
                format!("account-{account}")
            }
        }
    }

    pub fn covers_whole_organization(&self) -> bool {
        matches!(self, CostScope::Organization { .. })
    }

    /// What the user should know about this scope before trusting the totals.
    pub fn advice(&self) -> Option<String> {
        match self {
            CostScope::Organization { .. } => None,
            CostScope::MemberAccount {
                account,
                organization,
                management_account,
            } => Some(format!(
                "account {account} is a member of organization {organization}: Cost Explorer \
                 shows only this account's costs here. For the whole organization, sync with \
                 credentials for the management account {management_account}."
            )),
            CostScope::Account { account } => Some(format!(
                "account {account} is not in an organization costscope can read: loading this \
                 account's costs only."
            )),
        }
    }
}

impl fmt::Display for CostScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CostScope::Organization {
                id,
                management_account,
            } => write!(
                f,
                "organization {id} (management account {management_account})"
            ),
            CostScope::MemberAccount {
                account,
                organization,
                ..
            } => write!(f, "member account {account} of {organization}"),
            CostScope::Account { account } => write!(f, "account {account}"),
        }
    }
}

/// Whether a string is a scope key costscope itself wrote (so it can name a file).
pub fn is_scope_key(text: &str) -> bool {
    let rest = text
        .strip_prefix("org-")
        .or_else(|| text.strip_prefix("account-"));
    rest.is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_management_account_sees_the_organization() {
        let s = CostScope::of("111111111111", Some(("o-abc", "111111111111")));
        assert!(s.covers_whole_organization());
        assert_eq!(s.key(), "org-o-abc");
        assert_eq!(s.advice(), None);
    }

    #[test]
    fn a_member_account_gets_its_own_cache_and_advice() {
        let s = CostScope::of("222222222222", Some(("o-abc", "111111111111")));
        assert!(!s.covers_whole_organization());
        assert_eq!(s.key(), "account-222222222222");
        let advice = s.advice().unwrap();
        assert!(
            advice.contains("management account 111111111111"),
            "{advice}"
        );
    }

    #[test]
    fn an_account_without_organization_is_keyed_by_account() {
        let s = CostScope::of("333333333333", None);
        assert_eq!(s.key(), "account-333333333333");
        assert!(is_scope_key(&s.key()));
        assert!(!is_scope_key("../etc"));
        assert!(!is_scope_key("org-"));
    }
}
