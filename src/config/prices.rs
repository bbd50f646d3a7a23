//! The price table: `assets/prices.toml` built in, `<config dir>/prices.toml` on top.
//! A bad price names the file, line and key.

use super::ConfigError;
use crate::domain::prices::{PriceTable, RegionPrices};
use crate::domain::Money;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

const BUILT_IN: &str = include_str!("../../assets/prices.toml");

type Price = toml::Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    source: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    regions: BTreeMap<String, RawRegion>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    #[serde(default)]
    also: Vec<String>,
    eip_hourly: Option<Price>,
    snapshot_gb_month: Option<Price>,
    gp3_iops_month: Option<Price>,
    gp3_throughput_month: Option<Price>,
    piops_month: Option<Price>,
    #[serde(default)]
    ebs_gb_month: BTreeMap<String, Price>,
    #[serde(default)]
    s3_gb_month: BTreeMap<String, Price>,
    #[serde(default)]
    ec2_hourly: BTreeMap<String, Price>,
    #[serde(default)]
    rds_hourly: BTreeMap<String, Price>,
}

/// Parses one price file.
pub fn parse_prices(file: &Path, text: &str) -> Result<PriceTable, ConfigError> {
    let raw: RawTable = toml::from_str(text).map_err(|e| ConfigError::from_toml(file, text, &e))?;
    let price = |p: &Price| -> Result<Money, ConfigError> {
        match p.get_ref().parse::<Money>() {
            Ok(m) if m >= Money::ZERO => Ok(m),
            _ => Err(ConfigError::at(
                file,
                text,
                p.span().start,
                format!(
                    "{:?} is not a price in dollars, e.g. \"0.0104\"",
                    p.get_ref()
                ),
            )),
        }
    };
    let optional = |p: &Option<Price>| p.as_ref().map(price).transpose();
    let map = |m: &BTreeMap<String, Price>| -> Result<BTreeMap<String, Money>, ConfigError> {
        m.iter().map(|(k, v)| Ok((k.clone(), price(v)?))).collect()
    };
    let mut table = PriceTable {
        source: raw.source,
        as_of: raw.as_of,
        regions: BTreeMap::new(),
    };
    for (name, r) in &raw.regions {
        let prices = RegionPrices {
            ec2_hourly: map(&r.ec2_hourly)?,
            rds_hourly: map(&r.rds_hourly)?,
            ebs_gb_month: map(&r.ebs_gb_month)?,
            gp3_iops_month: optional(&r.gp3_iops_month)?,
            gp3_throughput_month: optional(&r.gp3_throughput_month)?,
            piops_month: optional(&r.piops_month)?,
            snapshot_gb_month: optional(&r.snapshot_gb_month)?,
            s3_gb_month: map(&r.s3_gb_month)?,
            eip_hourly: optional(&r.eip_hourly)?,
        };
        for other in &r.also {
            table.regions.insert(other.clone(), prices.clone());
        }
        table.regions.insert(name.clone(), prices);
    }
    Ok(table)
}

/// The built-in table.
pub fn built_in_prices() -> PriceTable {
    // The built-in file is checked by a unit test; an error here is a build defect.
    parse_prices(Path::new("assets/prices.toml"), BUILT_IN).unwrap_or_default()
}

/// The built-in table with the user's file, if there is one, on top.
pub fn load_prices(user_file: &Path) -> Result<PriceTable, ConfigError> {
    let mut table = built_in_prices();
    match super::paths::read_optional(user_file) {
        Ok(Some(text)) => table.overlay(parse_prices(user_file, &text)?),
        Ok(None) => {}
        Err(e) => {
            return Err(ConfigError {
                file: user_file.to_path_buf(),
                line: 0,
                key: None,
                message: format!("cannot read it: {e}"),
            })
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_parses_and_covers_its_regions() {
        let table = parse_prices(Path::new("assets/prices.toml"), BUILT_IN).unwrap();
        assert!(table.as_of.starts_with("20"));
        for region in ["us-east-1", "us-east-2", "us-west-2"] {
            let p = table.region(region).unwrap();
            assert_eq!(p.ebs_gb_month["gp2"], "0.10".parse().unwrap());
            assert_eq!(p.ec2_hourly["t3.micro"], "0.0104".parse().unwrap());
            assert!(p.snapshot_gb_month.is_some() && p.eip_hourly.is_some());
        }
        assert!(table.region("eu-west-1").is_none());
    }

    #[test]
    fn a_bad_price_names_file_line_and_key() {
        let text = "[regions.us-east-1.ec2_hourly]\n\"t3.micro\" = \"cheap\"\n";
        let err = parse_prices(Path::new("/home/u/prices.toml"), text).unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.key.as_deref(), Some("t3.micro"));
        assert!(err.to_string().contains("/home/u/prices.toml:2"), "{err}");
    }

    #[test]
    fn an_unknown_key_is_rejected() {
        let text = "[regions.us-east-1]\nebs_gb = \"0.1\"\n";
        let err = parse_prices(Path::new("p.toml"), text).unwrap_err();
        assert_eq!(err.line, 2);
    }
}
