//! Fakes behind the ports for the syncs: an organization of two accounts, and an S3
//! bucket held in memory.

use costscope::domain::export::StoredObject;
use costscope::domain::sources::{Directory, ExportBucket, Fetched, Identity, SourceError};
use costscope::domain::{Account, AccountStatus, Organization};
use std::collections::BTreeMap;
use std::path::Path;

pub const MANAGEMENT: &str = "111111111111";
pub const MEMBER: &str = "222222222222";

/// An organization of accounts (id, name) under the management account, read in
/// `requests` requests.
pub struct FakeDirectory {
    pub accounts: Vec<(&'static str, String)>,
    pub requests: u32,
}

/// An organization of two: the management account "payer" and the member "workloads".
pub fn two_accounts() -> FakeDirectory {
    FakeDirectory {
        accounts: vec![(MANAGEMENT, "payer".into()), (MEMBER, "workloads".into())],
        requests: 1,
    }
}

impl Directory for FakeDirectory {
    async fn identify(&self) -> Result<Identity, SourceError> {
        Ok(Identity {
            account_id: MANAGEMENT.into(),
            organization: Some(("o-fake".into(), MANAGEMENT.into())),
            organization_unreadable: None,
        })
    }

    async fn organization(&self) -> Fetched<Organization> {
        let accounts = self
            .accounts
            .iter()
            .map(|(id, name)| Account {
                id: id.to_string(),
                name: name.clone(),
                email: String::new(),
                status: AccountStatus::Active,
                ou_id: String::new(),
                joined: None,
            })
            .collect();
        Fetched {
            result: Ok(Organization {
                units: Vec::new(),
                accounts,
            }),
            requests: self.requests,
            throttles: 0,
        }
    }
}

/// A bucket in memory: keys to bodies, the ETag a digest of the body.
pub struct MemoryBucket(pub BTreeMap<String, Vec<u8>>);

pub fn etag(body: &[u8]) -> String {
    format!(
        "\"{:x}-{}\"",
        body.iter().map(|b| u64::from(*b)).sum::<u64>(),
        body.len()
    )
}

impl ExportBucket for MemoryBucket {
    fn bucket(&self) -> &str {
        "billing"
    }

    async fn list(&self, prefix: &str) -> Fetched<Vec<StoredObject>> {
        let objects = self
            .0
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(key, body)| StoredObject {
                key: key.clone(),
                etag: etag(body),
                size: body.len() as u64,
            })
            .collect();
        Fetched {
            result: Ok(objects),
            requests: 1,
            throttles: 0,
        }
    }

    async fn read(&self, key: &str) -> Fetched<Vec<u8>> {
        Fetched {
            result: Ok(self.0[key].clone()),
            requests: 1,
            throttles: 0,
        }
    }

    async fn download(&self, key: &str, to: &Path) -> Fetched<StoredObject> {
        let body = &self.0[key];
        std::fs::write(to, body).unwrap();
        Fetched {
            result: Ok(StoredObject {
                key: key.into(),
                etag: etag(body),
                size: body.len() as u64,
            }),
            requests: 1,
            throttles: 0,
        }
    }
}
