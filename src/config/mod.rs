//! Paths, the config file, the keymap and themes: embedded defaults plus user overrides.

mod error;
mod file;
pub mod keymap;
mod paths;
pub mod prices;
pub mod theme;

pub use error::ConfigError;
pub use file::{
    ApplySettings, Config, CostExplorerSettings, RangeName, ScanSettings, DEFAULT_ROLE_NAME,
};
pub use keymap::{Binding, KeyChord, Keymap};
pub use paths::Paths;
pub use theme::Theme;
