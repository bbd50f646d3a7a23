//! costscope: a terminal cost explorer for AWS organizations over a local SQLite cache.

pub mod aws;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod import;
pub mod jobs;
pub mod remediate;
pub mod report;
pub mod store;
pub mod sync;
pub mod tui;
