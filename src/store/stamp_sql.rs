//! Stamps in and out of SQLite, as their one text form.

use crate::domain::Stamp;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

impl ToSql for Stamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for Stamp {
    /// A stamp that is not RFC 3339 is damage, reported like any other bad column.
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Stamp> {
        let text = value.as_str()?;
        Stamp::parse(text).ok_or_else(|| {
            let what = format!(
                "{text:?} is not an RFC 3339 time: the cache is damaged; rebuild it (see README)"
            );
            FromSqlError::Other(what.into())
        })
    }
}
