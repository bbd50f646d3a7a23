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
    #[error("this account has no CUR 2.0 or FOCUS export to S3{}: create one (docs/sources.md) or pass --export s3://BUCKET/PREFIX/EXPORT-NAME", others_text(.others))]
    NoCostExport { others: Vec<String> },
    #[error("no cost export is named {wanted:?}; this account has: {}", .names.join(", "))]
    NoSuchExport { wanted: String, names: Vec<String> },
    #[error("this account has {} cost exports ({}): pass --export NAME, or set name in the config's [export] table", .names.len(), .names.join(", "))]
    SeveralExports { names: Vec<String> },
}

fn others_text(others: &[String]) -> String {
    match others {
        [] => String::new(),
        names => format!(" (only {})", names.join(", ")),
    }
}

/// Which export `costscope sync --source export` reads: its S3 location, or its name
/// (found through the Data Exports API), or the account's only cost export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportChoice {
    Location(ExportLocation),
    Named(String),
    TheOnlyOne,
}

impl std::fmt::Display for ExportChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportChoice::Location(l) => write!(f, "s3://{}/{}", l.bucket, l.root),
            ExportChoice::Named(name) => write!(f, "the export {name:?}"),
            ExportChoice::TheOnlyOne => f.write_str("the account's only cost export"),
        }
    }
}

impl ExportChoice {
    /// The export named on the command line, else the config's location, else its
    /// name, else the account's only one.
    pub fn pick(
        flag: Option<ExportChoice>,
        location: Option<&ExportLocation>,
        name: Option<&str>,
    ) -> ExportChoice {
        flag.or_else(|| location.cloned().map(ExportChoice::Location))
            .or_else(|| name.map(|n| ExportChoice::Named(n.to_string())))
            .unwrap_or(ExportChoice::TheOnlyOne)
    }

    /// `s3://...` is a location; any other text an export's name.
    pub fn parse(text: &str) -> Result<ExportChoice, ExportError> {
        if text.trim().starts_with("s3://") {
            ExportLocation::parse(text).map(ExportChoice::Location)
        } else if text.trim().is_empty() || text.contains('/') {
            Err(ExportError::Location(text.to_string()))
        } else {
            Ok(ExportChoice::Named(text.trim().to_string()))
        }
    }
}

/// An export as the Data Exports API describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportDefinition {
    pub name: String,
    /// The table its query reads (`COST_AND_USAGE_REPORT`, `FOCUS_1_0_AWS`, ...).
    pub table: String,
    /// Its S3 destination, if it has one.
    pub destination: Option<(ExportLocation, String)>,
}

impl ExportDefinition {
    /// CUR 2.0 or FOCUS: the tables costscope reads.
    pub fn is_cost_table(&self) -> bool {
        let table = self.table.to_ascii_uppercase();
        table == "COST_AND_USAGE_REPORT" || table.starts_with("FOCUS_")
    }
}

/// The table a Data Exports query reads: the word after FROM.
pub fn query_table(statement: &str) -> String {
    let words: Vec<&str> = statement.split_whitespace().collect();
    words
        .iter()
        .position(|w| w.eq_ignore_ascii_case("FROM"))
        .and_then(|at| words.get(at + 1))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .to_string()
        })
        .unwrap_or_default()
}

/// The cost export to read (with its S3 region): the one named, or the only one.
pub fn choose_export(
    exports: &[ExportDefinition],
    wanted: Option<&str>,
) -> Result<(ExportLocation, String), ExportError> {
    let usable: Vec<(&ExportDefinition, &(ExportLocation, String))> = exports
        .iter()
        .filter(|e| e.is_cost_table())
        .filter_map(|e| e.destination.as_ref().map(|d| (e, d)))
        .collect();
    let names = || {
        usable
            .iter()
            .map(|(e, _)| e.name.clone())
            .collect::<Vec<_>>()
    };
    match (wanted, usable.as_slice()) {
        (Some(name), _) => usable
            .iter()
            .find(|(e, _)| e.name == name)
            .map(|(_, d)| (*d).clone())
            .ok_or_else(|| ExportError::NoSuchExport {
                wanted: name.to_string(),
                names: names(),
            }),
        (None, []) => Err(ExportError::NoCostExport {
            others: exports
                .iter()
                .map(|e| format!("{} ({})", e.name, e.table))
                .collect(),
        }),
        (None, [(_, only)]) => Ok((*only).clone()),
        (None, _) => Err(ExportError::SeveralExports { names: names() }),
    }
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
    fn the_cost_export_is_the_one_named_or_the_only_one() {
        let export = |name: &str, query: &str| ExportDefinition {
            name: name.to_string(),
            table: query_table(query),
            destination: Some((
                ExportLocation::parse(&format!("s3://billing/exports/{name}")).unwrap(),
                "eu-west-1".to_string(),
            )),
        };
        let cur = export(
            "org-cur2",
            "SELECT bill_payer_account_id, line_item_unblended_cost FROM COST_AND_USAGE_REPORT",
        );
        let carbon = export("carbon", "SELECT * FROM CARBON_EMISSIONS");
        assert_eq!(cur.table, "COST_AND_USAGE_REPORT");
        let (at, region) = choose_export(&[carbon.clone(), cur.clone()], None).unwrap();
        assert_eq!(
            (at.root.as_str(), region.as_str()),
            ("exports/org-cur2", "eu-west-1")
        );
        let focus = export("org-focus", "select * from FOCUS_1_2_AWS");
        let both = [cur.clone(), focus.clone(), carbon.clone()];
        assert_eq!(
            choose_export(&both, None).unwrap_err().to_string(),
            "this account has 2 cost exports (org-cur2, org-focus): pass --export NAME, or set name in the config's [export] table"
        );
        assert_eq!(
            choose_export(&both, Some("org-focus")).unwrap().0.root,
            "exports/org-focus"
        );
        assert!(choose_export(&both, Some("nope"))
            .unwrap_err()
            .to_string()
            .contains("this account has: org-cur2, org-focus"));
        assert!(choose_export(&[carbon], None)
            .unwrap_err()
            .to_string()
            .contains("(only carbon (CARBON_EMISSIONS))"));
        assert_eq!(
            ExportChoice::parse("org-cur2").unwrap(),
            ExportChoice::Named("org-cur2".into())
        );
        assert!(matches!(
            ExportChoice::parse("s3://billing/x").unwrap(),
            ExportChoice::Location(_)
        ));
        assert!(ExportChoice::parse("billing/x").is_err());
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
