//! AWS Data Exports (CUR 2.0 and FOCUS tables) as S3 delivers them:
//! `s3://<bucket>/<prefix>/<export-name>/data/BILLING_PERIOD=YYYY-MM/...` for the data and
//! `.../metadata/BILLING_PERIOD=YYYY-MM/<export-name>-Manifest.json` for the manifest,
//! which lists the period's data files once all are delivered. A period is read again
//! only when its manifest's or its data objects' ETags changed: a listing is enough to
//! tell, so an unchanged export downloads nothing.

use super::Month;
use sha2::{Digest, Sha256};

/// Where an export's folders sit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportLocation {
    pub bucket: String,
    /// `<prefix>/<export-name>`, without slashes at its ends.
    pub root: String,
}

/// An object as a listing gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    pub etag: String,
    pub size: u64,
}

/// One billing period the export holds: its manifest and the data objects beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub month: Month,
    pub manifest: StoredObject,
    pub data: Vec<StoredObject>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("{0:?} is not an S3 location of an export: write s3://BUCKET/PREFIX/EXPORT-NAME")]
    Location(String),
    #[error("{key}: not a Data Exports manifest: {reason}")]
    Manifest { key: String, reason: String },
}

impl ExportLocation {
    /// `s3://bucket/prefix/export-name` (a trailing slash is fine).
    pub fn parse(uri: &str) -> Result<ExportLocation, ExportError> {
        let bad = || ExportError::Location(uri.to_string());
        let rest = uri.trim().strip_prefix("s3://").ok_or_else(bad)?;
        let (bucket, root) = rest.split_once('/').ok_or_else(bad)?;
        let root = root.trim_matches('/');
        if bucket.is_empty() || root.is_empty() {
            return Err(bad());
        }
        Ok(ExportLocation {
            bucket: bucket.to_string(),
            root: root.to_string(),
        })
    }

    /// The prefix one listing reads: every period's manifest and data.
    pub fn list_prefix(&self) -> String {
        format!("{}/", self.root)
    }

    /// The billing periods in a listing of `list_prefix`, oldest first. Keys of other
    /// shapes (an export's other files, a partition of another name) are left out.
    pub fn periods(&self, objects: &[StoredObject]) -> Vec<Period> {
        let metadata = format!("{}/metadata/BILLING_PERIOD=", self.root);
        let data = format!("{}/data/BILLING_PERIOD=", self.root);
        let month_after = |key: &str, prefix: &str| -> Option<Month> {
            let rest = key.strip_prefix(prefix)?;
            Month::parse(rest.get(..7)?).filter(|_| rest[7..].starts_with('/'))
        };
        let mut periods: Vec<Period> = Vec::new();
        for object in objects {
            let Some(month) = month_after(&object.key, &metadata) else {
                continue;
            };
            if !object.key.ends_with("Manifest.json") {
                continue;
            }
            // With "create new" delivery every execution leaves a manifest; the newest
            // listed key (they carry the execution id or time) is the period's.
            match periods.iter_mut().find(|p| p.month == month) {
                Some(p) if p.manifest.key < object.key => p.manifest = object.clone(),
                Some(_) => {}
                None => periods.push(Period {
                    month,
                    manifest: object.clone(),
                    data: Vec::new(),
                }),
            }
        }
        for object in objects {
            if let Some(month) = month_after(&object.key, &data) {
                if let Some(p) = periods.iter_mut().find(|p| p.month == month) {
                    p.data.push(object.clone());
                }
            }
        }
        periods.sort_by_key(|p| p.month);
        for p in &mut periods {
            p.data.sort_by(|a, b| a.key.cmp(&b.key));
        }
        periods
    }
}

impl Period {
    /// What the period looked like: its manifest's and data objects' keys and ETags.
    /// Equal digests mean nothing was delivered since.
    pub fn digest(&self) -> String {
        let mut hash = Sha256::new();
        for object in std::iter::once(&self.manifest).chain(&self.data) {
            hash.update(object.key.as_bytes());
            hash.update([0]);
            hash.update(object.etag.as_bytes());
            hash.update([0]);
        }
        hex::encode(hash.finalize())
    }
}

/// The data files a manifest lists, as keys in `bucket`. A file in another bucket is
/// refused (costscope reads one export location).
pub fn manifest_data_keys(
    manifest_key: &str,
    text: &str,
    bucket: &str,
) -> Result<Vec<String>, ExportError> {
    let bad = |reason: String| ExportError::Manifest {
        key: manifest_key.to_string(),
        reason,
    };
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not JSON ({e})")))?;
    let files = json
        .get("dataFiles")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| bad("no dataFiles list".to_string()))?;
    let in_bucket = format!("s3://{bucket}/");
    files
        .iter()
        .map(|file| {
            let uri = file
                .as_str()
                .ok_or_else(|| bad(format!("a data file that is not text: {file}")))?;
            uri.strip_prefix(&in_bucket)
                .map(str::to_string)
                .ok_or_else(|| bad(format!("{uri} is not in bucket {bucket}")))
        })
        .collect()
}

/// AWS may restate a billing period for two weeks after it ends; until then it is open.
pub fn is_final(month: Month, today: chrono::NaiveDate) -> bool {
    today > month.last_day() + chrono::Days::new(14)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(key: &str, etag: &str) -> StoredObject {
        StoredObject {
            key: key.to_string(),
            etag: etag.to_string(),
            size: 1,
        }
    }

    #[test]
    fn a_listing_gives_each_billing_period_its_manifest_and_data() {
        let at = ExportLocation::parse("s3://billing/cur/org-cur2/").unwrap();
        assert_eq!(at.list_prefix(), "cur/org-cur2/");
        let listing = [
            object(
                "cur/org-cur2/data/BILLING_PERIOD=2026-10/org-cur2-00001.snappy.parquet",
                "a",
            ),
            object(
                "cur/org-cur2/data/BILLING_PERIOD=2026-10/org-cur2-00002.snappy.parquet",
                "b",
            ),
            object(
                "cur/org-cur2/metadata/BILLING_PERIOD=2026-10/org-cur2-Manifest.json",
                "m1",
            ),
            object(
                "cur/org-cur2/metadata/BILLING_PERIOD=2026-09/org-cur2-Manifest.json",
                "m0",
            ),
            object(
                "cur/org-cur2/data/BILLING_PERIOD=2026-08/orphan.parquet",
                "x",
            ),
            object(
                "cur/org-cur2/metadata/BILLING_PERIOD=bad/org-cur2-Manifest.json",
                "y",
            ),
        ];
        let periods = at.periods(&listing);
        let months: Vec<String> = periods.iter().map(|p| p.month.to_string()).collect();
        assert_eq!(months, ["2026-09", "2026-10"], "no manifest, no period");
        assert_eq!(periods[1].data.len(), 2);
        assert!(periods[0].data.is_empty());
        let before = periods[1].digest();
        let mut restated = listing.to_vec();
        restated[1].etag = "b2".into();
        assert_ne!(
            at.periods(&restated)[1].digest(),
            before,
            "a data ETag changed"
        );
        assert_eq!(at.periods(&restated)[0].digest(), periods[0].digest());
        assert!(ExportLocation::parse("billing/cur").is_err());
        assert!(ExportLocation::parse("s3://billing").is_err());
    }

    #[test]
    fn a_manifest_names_its_data_files_in_the_bucket() {
        let text = r#"{"executionId":"e1","dataFiles":["s3://billing/cur/x/data/BILLING_PERIOD=2026-10/x-00001.csv.gz"]}"#;
        assert_eq!(
            manifest_data_keys("m", text, "billing").unwrap(),
            ["cur/x/data/BILLING_PERIOD=2026-10/x-00001.csv.gz"]
        );
        let other = manifest_data_keys("m", text, "elsewhere").unwrap_err();
        assert!(other.to_string().contains("is not in bucket elsewhere"));
        assert!(manifest_data_keys("m", "{}", "billing")
            .unwrap_err()
            .to_string()
            .contains("no dataFiles"));
        let month = Month::parse("2026-10").unwrap();
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert!(!is_final(month, day(14)));
        assert!(is_final(month, day(15)));
    }
}
