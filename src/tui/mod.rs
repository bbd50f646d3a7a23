//! The terminal UI: state + pure update, a loader that reads the cache, pure rendering,
//! and the loop that ties them to a terminal.

pub mod action;
pub mod app;
pub mod apply;
pub mod apply_state;
mod apply_view;
mod breakdown;
mod breakdown_update;
mod chart_view;
mod chrome;
pub mod columns;
mod commands;
mod costs_view;
mod effects;
mod filter_text;
pub mod findings;
pub mod findings_data;
mod findings_view;
mod help_view;
pub mod jobs;
pub mod load;
pub mod model;
mod reconcile_view;
mod resource_days;
pub mod runner;
pub mod scan_state;
mod scan_update;
mod scan_view;
pub mod selectors;
pub mod state;
pub mod sync_state;
pub mod sync_update;
mod sync_view;
pub mod table;
pub mod update;
pub mod view;
mod widgets;

pub use action::{Action, Effect};
pub use app::App;
pub use state::State;
