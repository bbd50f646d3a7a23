//! The organization: a root, organizational units as a tree, and member accounts.

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    pub id: String,
    /// `None` for the root.
    pub parent_id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Suspended,
    PendingClosure,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "ACTIVE",
            AccountStatus::Suspended => "SUSPENDED",
            AccountStatus::PendingClosure => "PENDING_CLOSURE",
        }
    }

    pub fn parse(text: &str) -> AccountStatus {
        match text {
            "SUSPENDED" => AccountStatus::Suspended,
            "PENDING_CLOSURE" => AccountStatus::PendingClosure,
            _ => AccountStatus::Active,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The 12-digit AWS account id.
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: AccountStatus,
    pub ou_id: String,
    pub joined: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Organization {
    pub units: Vec<OrgUnit>,
    pub accounts: Vec<Account>,
}

/// Whether `text` is an AWS account id: 12 digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

impl Organization {
    /// "Root / Workloads / Production" for an OU id.
    pub fn ou_path(&self, ou_id: &str) -> String {
        let mut names = Vec::new();
        let mut current = Some(ou_id.to_string());
        // Bounded by the number of units, so a cycle in bad data cannot loop forever.
        for _ in 0..=self.units.len() {
            let Some(id) = current else { break };
            match self.units.iter().find(|u| u.id == id) {
                Some(unit) => {
                    names.push(unit.name.clone());
                    current = unit.parent_id.clone();
                }
                None => break,
            }
        }
        names.reverse();
        names.join(" / ")
    }

    /// The name of the account with this id, if the organization holds it.
    pub fn account_name(&self, id: &str) -> Option<&str> {
        self.accounts
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.as_str())
    }

    /// The account a person names by id or name (see `lookup::find_account`).
    pub fn find_account(&self, query: &str) -> Result<&Account, super::lookup::LookupError> {
        let named: Vec<super::lookup::Named> = self
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| super::lookup::Named {
                key: i as i64,
                id: Some(&a.id),
                name: &a.name,
            })
            .collect();
        let index = super::lookup::find_account(&named, query)?;
        Ok(&self.accounts[index as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ou_path_walks_to_the_root() {
        let org = Organization {
            units: vec![
                OrgUnit {
                    id: "r-1".into(),
                    parent_id: None,
                    name: "Root".into(),
                },
                OrgUnit {
                    id: "ou-a".into(),
                    parent_id: Some("r-1".into()),
                    name: "Workloads".into(),
                },
                OrgUnit {
                    id: "ou-b".into(),
                    parent_id: Some("ou-a".into()),
                    name: "Prod".into(),
                },
            ],
            accounts: vec![],
        };
        assert_eq!(org.ou_path("ou-b"), "Root / Workloads / Prod");
        assert_eq!(org.ou_path("missing"), "");
    }
}
