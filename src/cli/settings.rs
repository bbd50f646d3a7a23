//! What the commands read from the user's files and flags: the config, keymap and
//! theme, logging, prices, which cache to open, and the options each job runs with.

use super::AppError;
use crate::config::{Config, Keymap, Paths, Theme};
use crate::domain::Stamp;
use crate::tui;
use chrono::NaiveDate;
use std::path::PathBuf;

/// The config file's settings (defaults without a home directory); warnings are for
/// the TUI's message line, so the headless commands drop them.
pub(super) fn config_file(paths: Option<&Paths>) -> Result<Config, AppError> {
    Ok(match paths {
        Some(p) => Config::load(&p.config_file())?.0,
        None => Config::default(),
    })
}

/// Everything the TUI needs from the user's files.
pub(super) struct Settings {
    pub config: Config,
    pub keymap: Keymap,
    pub theme: Theme,
    pub themes_dir: Option<PathBuf>,
    pub warning: Option<String>,
}

pub(super) fn load_settings(
    paths: Option<&Paths>,
    theme_flag: Option<&str>,
) -> Result<Settings, AppError> {
    let known = tui::action::bindable_names();
    let mut keymap = Keymap::defaults(&known)?;
    let (config, mut warning) = match paths {
        Some(p) => Config::load(&p.config_file())?,
        None => (Config::default(), None),
    };
    if let Some(p) = paths {
        let file = p.keymap_file();
        match std::fs::read_to_string(&file) {
            Ok(text) => keymap.apply_user_file(&file, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                warning = Some(format!(
                    "could not read {} ({e}); using default keys",
                    file.display()
                ))
            }
        }
    }
    let themes_dir = paths.map(Paths::themes_dir);
    let theme = Theme::load(theme_flag.unwrap_or(&config.theme), themes_dir.as_deref())?;
    Ok(Settings {
        config,
        keymap,
        theme,
        themes_dir,
        warning,
    })
}

pub(super) fn init_logging(paths: Option<&Paths>) {
    let Some(paths) = paths else { return };
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&paths.log_dir);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(paths.log_file());
    if let Ok(file) = file {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .try_init();
    }
}

/// `--demo`: the demo organization's cache; otherwise the real one.
pub(super) fn cache_or_demo(
    demo: bool,
    flag: &Option<PathBuf>,
    org: Option<&str>,
    paths: Option<&Paths>,
) -> Result<PathBuf, AppError> {
    if demo {
        demo_cache_path(flag, paths)
    } else {
        real_cache_path(flag, org, paths)
    }
}

/// `--cache`, else the demo organization's own cache file.
pub(super) fn demo_cache_path(
    flag: &Option<PathBuf>,
    paths: Option<&Paths>,
) -> Result<PathBuf, AppError> {
    match (flag, paths) {
        (Some(p), _) => Ok(p.clone()),
        (None, Some(p)) => Ok(p.demo_cache_file()),
        (None, None) => Err(AppError::NoHome),
    }
}

/// Read-only when the flag or the config says so.
pub(super) fn access_of(read_only_flag: bool, config: &Config) -> crate::remediate::Access {
    if read_only_flag || config.apply.read_only {
        crate::remediate::Access::ReadOnly
    } else {
        crate::remediate::Access::ReadWrite
    }
}

pub(super) fn plan_options(
    config: &Config,
    delete_databases: bool,
) -> crate::domain::remediation::PlanOptions {
    crate::domain::remediation::PlanOptions {
        thresholds: config.scan.thresholds.clone(),
        delete_databases,
        allow_auto_scaling: config.apply.allow_auto_scaling,
        stamp: chrono::Utc::now().format("%Y%m%d-%H%M").to_string(),
    }
}

/// What makes a plan's confirmation stronger, from `[apply]`: the same for the TUI and
/// the command line.
pub(super) fn confirm_policy(config: &Config) -> crate::domain::remediation::ConfirmPolicy {
    crate::domain::remediation::ConfirmPolicy {
        typed_over: config.apply.typed_confirmation_over as usize,
        protected_accounts: config.apply.protected_accounts.clone(),
    }
}

/// `--cache`, else COSTSCOPE_CACHE: a cache the user named.
pub(super) fn explicit_cache(flag: &Option<PathBuf>) -> Option<PathBuf> {
    flag.clone().or_else(|| {
        std::env::var_os("COSTSCOPE_CACHE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    })
}

/// The real cache to read: one the user named, else by `--org`, else the last synced.
pub(super) fn real_cache_path(
    flag: &Option<PathBuf>,
    org: Option<&str>,
    paths: Option<&Paths>,
) -> Result<PathBuf, AppError> {
    if let Some(p) = explicit_cache(flag) {
        return Ok(p);
    }
    paths.map(|p| p.default_cache(org)).ok_or(AppError::NoHome)
}

/// The resource prices: the user's file, else the built-in table.
pub(super) fn price_table(
    paths: Option<&Paths>,
) -> Result<crate::domain::prices::PriceTable, AppError> {
    Ok(match paths {
        Some(p) => crate::config::prices::load_prices(&p.prices_file())?,
        None => crate::config::prices::built_in_prices(),
    })
}

/// Sync settings from the config file.
pub(super) fn sync_options(
    config: &Config,
    today: NaiveDate,
    now: Stamp,
) -> crate::sync::SyncOptions {
    let mut options = crate::sync::SyncOptions::new(today, now);
    options.max_cost = config.max_sync_cost;
    options.final_after_day = config.bill_final_after_day;
    options
}

/// A warning naming the protected accounts the cached organization does not hold: a
/// mistyped id protects nothing. None on the demo, whose accounts are made up.
pub(super) fn unknown_protected_accounts(
    config: &Config,
    store: &crate::store::Store,
) -> Result<Option<String>, AppError> {
    let protected = &config.apply.protected_accounts;
    if protected.is_empty() || store.kind()? == Some(crate::store::CacheKind::Demo) {
        return Ok(None);
    }
    let (org, _) = store.organization()?;
    let unknown: Vec<&str> = protected
        .iter()
        .filter(|id| !org.accounts.iter().any(|a| &a.id == *id))
        .map(String::as_str)
        .collect();
    Ok((!unknown.is_empty()).then(|| {
        format!(
            "[apply] protected_accounts: {} not in the cached organization (a typo protects nothing)",
            match unknown.as_slice() {
                [one] => format!("{one} is"),
                many => format!("{} are", many.join(", ")),
            }
        )
    }))
}

/// Opens the cache to read; a cache this process may not write opens read-only, with a
/// one-line notice on stderr.
pub(super) fn open_cache(path: &std::path::Path) -> Result<crate::store::Store, AppError> {
    let store = crate::store::Store::open_existing(path)?;
    if store.is_read_only() {
        super::output::note!("{}", read_only_notice(path));
    }
    Ok(store)
}

/// What a read-only cache allows, in one line.
pub(super) fn read_only_notice(path: &std::path::Path) -> String {
    format!(
        "note: {} is read-only here: browsing only (sync, scan, dismiss and apply need write access)",
        path.display()
    )
}
