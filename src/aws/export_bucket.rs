//! The S3 bucket of an AWS Data Export: ListObjectsV2 for the ETags, GetObject for the
//! manifests and the data files (streamed to a file, never held whole in memory).

use super::attempts::AttemptCounter;
use super::s3::s3_client;
use super::{map_error, SourceError};
use crate::domain::export::StoredObject;
use crate::domain::sources::{ExportBucket, Fetched};
use std::io::Write;
use std::path::Path;

pub struct S3ExportBucket {
    client: aws_sdk_s3::Client,
    bucket: String,
    counter: AttemptCounter,
}

impl S3ExportBucket {
    /// The bucket in `region` (S3 answers a request sent to another region with a
    /// redirect the SDK does not follow).
    pub fn new(config: &aws_config::SdkConfig, region: &str, bucket: &str) -> S3ExportBucket {
        let counter = AttemptCounter::default();
        S3ExportBucket {
            client: s3_client(config, region, Some(&counter)),
            bucket: bucket.to_string(),
            counter,
        }
    }

    async fn list_all(&self, prefix: &str) -> Result<Vec<StoredObject>, SourceError> {
        let mut objects = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| map_error("ListObjectsV2", e))?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                objects.push(StoredObject {
                    key: key.to_string(),
                    etag: object.e_tag().unwrap_or_default().to_string(),
                    size: object.size().unwrap_or_default().max(0) as u64,
                });
            }
        }
        Ok(objects)
    }

    async fn get(
        &self,
        key: &str,
    ) -> Result<aws_sdk_s3::operation::get_object::GetObjectOutput, SourceError> {
        self.client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| map_error("GetObject", e))
    }

    async fn read_all(&self, key: &str) -> Result<Vec<u8>, SourceError> {
        let out = self.get(key).await?;
        let body = out.body.collect().await.map_err(|e| body_error(key, e))?;
        Ok(body.into_bytes().to_vec())
    }

    async fn download_to(&self, key: &str, to: &Path) -> Result<StoredObject, SourceError> {
        let out = self.get(key).await?;
        let etag = out.e_tag().unwrap_or_default().to_string();
        let mut body = out.body;
        let mut file = std::fs::File::create(to).map_err(|e| file_error(to, e))?;
        let mut size = 0u64;
        while let Some(chunk) = body.try_next().await.map_err(|e| body_error(key, e))? {
            file.write_all(&chunk).map_err(|e| file_error(to, e))?;
            size += chunk.len() as u64;
        }
        file.flush().map_err(|e| file_error(to, e))?;
        Ok(StoredObject {
            key: key.to_string(),
            etag,
            size,
        })
    }
}

fn body_error(key: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Unreachable {
        operation: "GetObject",
        message: format!("{key}: the download broke off: {e}"),
    }
}

fn file_error(path: &Path, e: std::io::Error) -> SourceError {
    SourceError::Other {
        operation: "GetObject",
        message: format!("writing {}: {e}", path.display()),
    }
}

impl ExportBucket for S3ExportBucket {
    fn bucket(&self) -> &str {
        &self.bucket
    }

    async fn list(&self, prefix: &str) -> Fetched<Vec<StoredObject>> {
        let result = self.list_all(prefix).await;
        self.counter.fetched(result)
    }

    async fn read(&self, key: &str) -> Fetched<Vec<u8>> {
        let result = self.read_all(key).await;
        self.counter.fetched(result)
    }

    async fn download(&self, key: &str, to: &Path) -> Fetched<StoredObject> {
        let result = self.download_to(key, to).await;
        self.counter.fetched(result)
    }
}
