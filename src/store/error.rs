use std::path::PathBuf;

/// What can go wrong with the cache. Each message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} is not an SQLite database, so it is not a costscope cache.\n\
         Nothing was changed. Move it aside (mv {path} {path}.bad) and run costscope again \
         to start a new cache, or pass --cache PATH to use another file."
    )]
    NotSqlite { path: PathBuf },

    #[error(
        "{path} is an SQLite database that belongs to another application.\n\
         Nothing was changed. Pass --cache PATH to use another file, or move it aside."
    )]
    ForeignDatabase { path: PathBuf },

    #[error(
        "{path} was written by a newer costscope (cache schema {found}, this build knows up \
         to {supported}).\nNothing was changed. Upgrade costscope, or move the file aside \
         to rebuild the cache with this version."
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error(
        "the cache {path} is corrupt ({detail}).\nNothing was changed. Move it aside \
         (mv {path} {path}.corrupt) and rebuild it: `costscope demo` regenerates demo data; \
         a real cache is refilled by syncing."
    )]
    Corrupt { path: PathBuf, detail: String },

    #[error(
        "there is no cache at {path}. Nothing was created.\n\
         Run `costscope sync` to fill it from AWS, or `costscope demo` to browse a demo \
         organization; or pass --cache PATH to a cache that exists."
    )]
    NoCache { path: PathBuf },

    #[error(
        "{path} is an empty file (0 bytes), not a costscope cache. Nothing was changed.\n\
         Remove it and run `costscope sync` to fill a cache there, or pass --cache PATH to \
         another file."
    )]
    EmptyFile { path: PathBuf },

    #[error(
        "the cache {path} is read-only here: it can be browsed, not changed. Sync, scan, \
         dismiss and apply need write access to the file and its directory."
    )]
    ReadOnly { path: PathBuf },

    #[error(
        "the cache {path} is read-only here and was written by an older costscope: it needs \
         an upgrade, which writes. Open it once with write access, or copy it somewhere \
         writable and pass --cache COPY."
    )]
    ReadOnlyNeedsUpgrade { path: PathBuf },

    #[error("cannot create the cache directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot open the cache {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{0} is not a demo cache; costscope demo only replaces its own demo files")]
    NotDemo(PathBuf),

    #[error("a cost row for {day} is outside the months being written to {path}")]
    OutsideMonths {
        path: PathBuf,
        day: chrono::NaiveDate,
    },

    #[error("cost rows for one service and account must come once a day, in day order; {day} did not ({path} unchanged)")]
    RowsOutOfOrder {
        path: PathBuf,
        day: chrono::NaiveDate,
    },

    #[error("{0}: a total of the cache's amounts cannot be shown exactly")]
    Money(#[from] crate::domain::money::MoneyOverflow),

    #[error("cache error in {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Turns a rusqlite error into the right StoreError: corruption gets its own message.
pub(crate) fn classify(path: &std::path::Path, err: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    if let rusqlite::Error::SqliteFailure(code, message) = &err {
        if code.code == ErrorCode::ReadOnly {
            return StoreError::ReadOnly {
                path: path.to_path_buf(),
            };
        }
        if matches!(
            code.code,
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase
        ) {
            return StoreError::Corrupt {
                path: path.to_path_buf(),
                detail: message.clone().unwrap_or_else(|| code.to_string()),
            };
        }
    }
    StoreError::Sqlite {
        path: path.to_path_buf(),
        source: err,
    }
}
