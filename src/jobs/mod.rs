//! The one place that wires AWS in. It signs in, names the scope's cache, builds the
//! adapters behind the domain's ports (`domain::sources`), and runs the sync, the scan
//! and apply. The CLI and the TUI both call it, so each job has one path. Outside
//! `src/aws`, only this module names SDK types.

pub mod apply;
mod session;

pub use crate::aws::Connect;
pub use apply::{Applier, Job};
pub use session::{scope_cache, Session};
