//! Which table a cost file holds, told from its header: FOCUS (1.0 to 1.2, from any
//! cloud) or AWS's CUR 2.0. Either gives the same `FocusLine`s, so the readers, the
//! totals and the cache do not care which.

use super::cur::{self, CurColumns};
use super::focus::{self, FocusColumns, FocusLine, MissingColumns};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineTable {
    Focus(FocusColumns),
    Cur(CurColumns),
}

/// Every column either table is read from (a columnar reader decodes these only).
pub fn columns_read() -> impl Iterator<Item = &'static str> {
    focus::COLUMNS_READ.iter().chain(cur::COLUMNS_READ).copied()
}

/// Of a map column, the entries read (None: all). CUR 2.0's `product` map has dozens
/// of entries a line; only its product name is read.
pub fn map_entries_read(column: &str) -> Option<&'static [&'static str]> {
    cur::MAP_ENTRIES_READ
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(column))
        .map(|(_, entries)| *entries)
}

impl LineTable {
    /// The table whose columns the header names. A header of `line_item_` columns is
    /// judged as CUR 2.0, any other as FOCUS, for the error to name what is missing.
    pub fn from_header<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<LineTable, MissingColumns> {
        let names: Vec<&str> = names
            .into_iter()
            .map(|n| n.trim_start_matches('\u{feff}').trim())
            .collect();
        let looks_cur = names.iter().any(|n| {
            n.get(..10)
                .is_some_and(|p| p.eq_ignore_ascii_case("line_item_"))
        });
        if looks_cur {
            return CurColumns::from_header(&names)
                .map(LineTable::Cur)
                .map_err(|missing| MissingColumns {
                    table: "CUR 2.0",
                    missing,
                });
        }
        FocusColumns::from_header(names).map(LineTable::Focus)
    }

    /// One record; `field(i)` is its i-th field ("" past its end).
    pub fn read_line<'a>(&self, field: impl Fn(usize) -> &'a str) -> Result<FocusLine<'a>, String> {
        match self {
            LineTable::Focus(columns) => focus::read_line(columns, field),
            LineTable::Cur(columns) => cur::read_line(columns, field),
        }
    }

    /// "FOCUS" or "CUR 2.0".
    pub fn name(&self) -> &'static str {
        match self {
            LineTable::Focus(_) => "FOCUS",
            LineTable::Cur(_) => "CUR 2.0",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_told_apart_and_its_missing_columns_named() {
        let cur = LineTable::from_header(cur::COLUMNS_READ.iter().copied()).unwrap();
        assert_eq!(cur.name(), "CUR 2.0");
        let focus = LineTable::from_header(focus::REQUIRED.iter().copied()).unwrap();
        assert_eq!(focus.name(), "FOCUS");
        let half = LineTable::from_header(["line_item_unblended_cost", "identity_line_item_id"])
            .unwrap_err();
        assert_eq!(
            half.to_string(),
            "not a CUR 2.0 file: no line_item_usage_start_date, no line_item_usage_account_id, \
             no line_item_product_code, no line_item_line_item_type column"
        );
        assert!(LineTable::from_header(["a", "b"])
            .unwrap_err()
            .to_string()
            .starts_with("not a FOCUS file: no BilledCost"));
    }
}
