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

    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.toml")
    }

    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }

    pub fn cache_file(&self) -> PathBuf {
        self.data_dir.join("cache.sqlite")
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
