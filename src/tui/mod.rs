//! The terminal UI: state + pure update, a loader that reads the cache, pure rendering,
//! and the loop that ties them to a terminal.

pub mod action;
pub mod app;
pub mod apply;
mod apply_view;
pub mod findings;
mod findings_view;
pub mod load;
pub mod model;
pub mod refresh;
pub mod state;
pub mod sync_update;
pub mod table;
pub mod update;
pub mod view;

pub use action::{Action, Effect};
pub use app::App;
pub use state::State;
