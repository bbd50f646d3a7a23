//! An AWS Data Export laid out in a local directory, as the export sync sees it in S3:
//! `exports/bench/metadata/BILLING_PERIOD=YYYY-MM/bench-Manifest.json` naming the period's
//! data files under `exports/bench/data/BILLING_PERIOD=YYYY-MM/`. A download is a copy,
//! and each is counted, so a benchmark can show that an unchanged export downloads nothing.
#![allow(dead_code)]

use costscope::domain::export::{ExportLocation, StoredObject};
use costscope::domain::sources::{Directory, ExportBucket, Fetched, Identity, SourceError};
use costscope::domain::Organization;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The location the sync is given for a bucket written by `data_dir`/`write_manifest`.
pub fn location() -> ExportLocation {
    ExportLocation::parse("s3://bench/exports/bench").unwrap()
}

/// Where a billing period's data files go (created).
pub fn data_dir(root: &Path, period: &str) -> PathBuf {
    let dir = root.join(format!("exports/bench/data/BILLING_PERIOD={period}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The period's manifest, naming `files` (names inside its `data_dir`) in order.
pub fn write_manifest(root: &Path, period: &str, files: &[String]) {
    let metadata = root.join(format!("exports/bench/metadata/BILLING_PERIOD={period}"));
    std::fs::create_dir_all(&metadata).unwrap();
    let keys: Vec<String> = files
        .iter()
        .map(|name| format!("s3://bench/exports/bench/data/BILLING_PERIOD={period}/{name}"))
        .collect();
    let manifest = serde_json::json!({ "dataFiles": keys });
    std::fs::write(metadata.join("bench-Manifest.json"), manifest.to_string()).unwrap();
}

/// An export bucket that is a local directory.
pub struct DirBucket {
    root: PathBuf,
    /// Objects read or downloaded, and their bytes.
    pub downloads: AtomicU64,
    pub bytes: AtomicU64,
}

impl DirBucket {
    pub fn new(root: &Path) -> Self {
        DirBucket {
            root: root.to_path_buf(),
            downloads: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    fn object(&self, key: &str) -> StoredObject {
        let size = std::fs::metadata(self.root.join(key)).map_or(0, |m| m.len());
        StoredObject {
            key: key.to_string(),
            // Files are written once per benchmark: the size stands in for the ETag.
            etag: format!("\"{size}\""),
            size,
        }
    }

    fn counted(&self, bytes: u64) {
        self.downloads.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

pub fn fetched<T>(result: T) -> Fetched<T> {
    Fetched {
        result: Ok(result),
        requests: 1,
        throttles: 0,
    }
}

/// Every file under `dir`, as keys relative to `root`.
fn walk(root: &Path, dir: &Path, keys: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(root, &path, keys);
        } else {
            let key = path.strip_prefix(root).unwrap().to_str().unwrap();
            keys.push(key.to_string());
        }
    }
}

impl ExportBucket for DirBucket {
    fn bucket(&self) -> &str {
        "bench"
    }

    async fn list(&self, prefix: &str) -> Fetched<Vec<StoredObject>> {
        let mut keys = Vec::new();
        walk(&self.root, &self.root.join(prefix), &mut keys);
        keys.sort();
        fetched(keys.iter().map(|key| self.object(key)).collect())
    }

    async fn read(&self, key: &str) -> Fetched<Vec<u8>> {
        let bytes = std::fs::read(self.root.join(key)).unwrap();
        self.counted(bytes.len() as u64);
        fetched(bytes)
    }

    async fn download(&self, key: &str, to: &Path) -> Fetched<StoredObject> {
        let bytes = std::fs::copy(self.root.join(key), to).unwrap();
        self.counted(bytes);
        fetched(self.object(key))
    }
}

/// The payer account alone, outside any organization.
pub struct OneAccount;

pub const PAYER: &str = "100000000000";

impl Directory for OneAccount {
    async fn identify(&self) -> Result<Identity, SourceError> {
        Ok(Identity {
            account_id: PAYER.into(),
            organization: None,
            organization_unreadable: None,
        })
    }

    async fn organization(&self) -> Fetched<Organization> {
        fetched(Organization::default())
    }
}

/// The process's peak resident memory.
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
