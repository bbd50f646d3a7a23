//! Paths, the config file, the keymap and themes: embedded defaults plus user overrides.

mod apply;
mod error;
mod file;
pub mod keymap;
mod paths;
pub mod prices;
mod scan;
pub mod theme;
mod values;

pub use apply::ApplySettings;
pub use error::ConfigError;
pub use file::{Config, CostExplorerSettings, ExportSettings, RangeName, SyncSource};
pub use keymap::{Binding, KeyChord, Keymap};
pub use paths::Paths;
pub use scan::{ScanSettings, DEFAULT_ROLE_NAME};
pub use theme::Theme;
