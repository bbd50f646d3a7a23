//! `costscope check` and `costscope paths`: is the cache sound, and where are the
//! files costscope reads and writes.

use super::output::outln;
use super::{AppError, Context};
use crate::config::Paths;
use crate::demo;
use std::path::Path;

/// Runs SQLite's integrity check (and the demo's completeness); exit 2 on a problem.
pub fn check(ctx: &Context) -> Result<(), AppError> {
    let path = ctx.real_cache()?;
    let store = super::settings::open_cache(&path)?;
    let mut problems = store.integrity_check()?;
    if demo::is_incomplete(&store)? {
        problems.retain(|p| p != "ok");
        problems.push(
            "the demo data is incomplete: its generation was interrupted; run `costscope demo` again to regenerate it".into(),
        );
    }
    if problems == ["ok"] {
        outln!("{}: ok", path.display());
        Ok(())
    } else {
        Err(AppError::Integrity {
            path,
            problems: problems.join("\n"),
        })
    }
}

pub(super) fn print_paths(paths: Option<&Paths>, cache: Option<&Path>) -> Result<(), AppError> {
    let Some(p) = paths else {
        outln!("no home directory found: pass --cache PATH");
        return Ok(());
    };
    let cache = cache.map_or_else(|| p.cache_file(), Path::to_path_buf);
    outln!("config:     {}", p.config_file().display());
    outln!("keymap:     {}", p.keymap_file().display());
    outln!("themes:     {}", p.themes_dir().display());
    outln!("cache:      {}", cache.display());
    outln!("demo cache: {}", p.demo_cache_file().display());
    outln!("log:        {}", p.log_file().display());
    Ok(())
}

/// `costscope paths`.
pub fn paths(ctx: &Context) -> Result<(), AppError> {
    print_paths(ctx.paths.as_ref(), ctx.cli.cache.as_deref())
}
