//! The Data Exports API (bcm-data-exports, served from us-east-1 only): ListExports,
//! then GetExport of each for its query's table and its S3 destination.

use super::attempts::AttemptCounter;
use super::{map_error, SourceError};
use crate::domain::export::{query_table, ExportDefinition, ExportLocation};
use crate::domain::sources::{ExportCatalog, Fetched};

/// The only region the API answers in.
const API_REGION: &str = "us-east-1";

pub struct DataExports {
    client: aws_sdk_bcmdataexports::Client,
    counter: AttemptCounter,
}

impl DataExports {
    pub fn new(config: &aws_config::SdkConfig) -> DataExports {
        let counter = AttemptCounter::default();
        let conf = aws_sdk_bcmdataexports::config::Builder::from(config)
            .region(aws_config::Region::new(API_REGION))
            .interceptor(counter.clone())
            .build();
        DataExports::from_client(aws_sdk_bcmdataexports::Client::from_conf(conf), counter)
    }

    /// A catalog on a client made elsewhere (tests put mocks behind it); the counter
    /// must be the client's interceptor for requests to be counted.
    pub fn from_client(
        client: aws_sdk_bcmdataexports::Client,
        counter: AttemptCounter,
    ) -> DataExports {
        DataExports { client, counter }
    }

    async fn read(&self) -> Result<Vec<ExportDefinition>, SourceError> {
        let mut references = Vec::new();
        let mut pages = self.client.list_exports().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| map_error("ListExports", e))?;
            references.extend(page.exports().iter().map(|r| r.export_arn().to_string()));
        }
        let mut exports = Vec::new();
        for arn in references {
            let out = self
                .client
                .get_export()
                .export_arn(&arn)
                .send()
                .await
                .map_err(|e| map_error("GetExport", e))?;
            let Some(export) = out.export() else { continue };
            let destination = export
                .destination_configurations()
                .and_then(|d| d.s3_destination())
                .and_then(|destination| {
                    let root = format!(
                        "s3://{}/{}/{}",
                        destination.s3_bucket(),
                        destination.s3_prefix(),
                        export.name()
                    );
                    ExportLocation::parse(&root)
                        .ok()
                        .map(|at| (at, destination.s3_region().to_string()))
                });
            exports.push(ExportDefinition {
                name: export.name().to_string(),
                table: export
                    .data_query()
                    .map(|q| query_table(q.query_statement()))
                    .unwrap_or_default(),
                destination,
            });
        }
        Ok(exports)
    }
}

impl ExportCatalog for DataExports {
    async fn exports(&self) -> Fetched<Vec<ExportDefinition>> {
        let result = self.read().await;
        self.counter.fetched(result)
    }
}
