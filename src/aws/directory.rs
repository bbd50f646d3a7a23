//! The AWS directory: STS says who is signed in, Organizations lists what they see.

use super::identity::identify;
use super::organizations::fetch_organization;
use super::CostClients;
use crate::domain::sources::{Directory, Fetched, Identity, SourceError};
use crate::domain::Organization;

impl Directory for CostClients {
    async fn identify(&self) -> Result<Identity, SourceError> {
        identify(&self.sts, &self.organizations).await
    }

    async fn organization(&self) -> Fetched<Organization> {
        match fetch_organization(&self.organizations).await {
            Ok(fetched) => Fetched {
                result: Ok(fetched.organization),
                requests: fetched.requests,
                throttles: 0,
            },
            // The page that failed was sent.
            Err(e) => Fetched {
                result: Err(e),
                requests: 1,
                throttles: 0,
            },
        }
    }
}
