//! Where costscope keeps its files, from the `directories` crate (XDG on Linux).

use directories::ProjectDirs;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// The platform's directories; `COSTSCOPE_CONFIG_DIR` overrides the config directory.
    pub fn discover() -> Option<Paths> {
        let dirs = ProjectDirs::from("", "", "costscope")?;
        let config_dir = std::env::var_os("COSTSCOPE_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.config_dir().to_path_buf());
        let data_dir = dirs.data_dir().to_path_buf();
        let log_dir = dirs
            .state_dir()
            .map(|d| d.to_path_buf())
            .unwrap_or_else(|| data_dir.join("logs"));
        Some(Paths {
            config_dir,
            data_dir,
            log_dir,
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn prices_file(&self) -> PathBuf {
        self.config_dir.join("prices.toml")
    }

    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.toml")
    }

    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }

    /// The cache used before any sync has named one.
    pub fn cache_file(&self) -> PathBuf {
        self.data_dir.join("cache.sqlite")
    }

    /// One cache per organization or account ("org-o-abc", "account-1234...").
    pub fn scope_cache_file(&self, scope_key: &str) -> PathBuf {
        self.data_dir
            .join("caches")
            .join(format!("{scope_key}.sqlite"))
    }

    fn last_scope_file(&self) -> PathBuf {
        self.data_dir.join("last-scope")
    }

    /// The scope of the last successful sync: what `costscope` opens by default.
    pub fn last_scope(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.last_scope_file()).ok()?;
        Some(text.trim().to_string()).filter(|k| crate::domain::scope::is_scope_key(k))
    }

    pub fn remember_scope(&self, scope_key: &str) -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.data_dir)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .mode(0o600)
            .open(self.last_scope_file())?;
        writeln!(file, "{scope_key}")
    }

    /// The real (not demo) cache to open: an organization or account chosen with
    /// `--org`, else the last one synced, else the default file.
    pub fn default_cache(&self, org: Option<&str>) -> PathBuf {
        match org {
            Some(id) if id.starts_with("o-") => self.scope_cache_file(&format!("org-{id}")),
            Some(id) => self.scope_cache_file(&format!("account-{id}")),
            None => self
                .last_scope()
                .map_or_else(|| self.cache_file(), |k| self.scope_cache_file(&k)),
        }
    }

    pub fn demo_cache_file(&self) -> PathBuf {
        self.data_dir.join("demo.sqlite")
    }

    pub fn log_file(&self) -> PathBuf {
        self.log_dir.join("costscope.log")
    }
}

/// Reads a user file that may legitimately be absent. `Ok(None)`: not there. An
/// unreadable file or directory is reported to the caller as a warning, not a crash.
pub fn read_optional(path: &std::path::Path) -> Result<Option<String>, std::io::Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
