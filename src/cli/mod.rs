//! Command line: `costscope` opens the TUI on the cache; subcommands do the rest. The
//! clap types and the dispatch are here; each subcommand is a file of its own.

mod apply;
mod check;
mod costs;
mod error;
mod findings;
mod flags;
mod import;
mod output;
mod parse;
mod reconcile;
mod scan;
mod settings;
mod sync;
mod tui;

pub use error::AppError;
pub use flags::{ApplyFlags, AwsFlags, RootFlags, TuiFlags};

use crate::config::Paths;
use apply::{ApplyArgs, AuditArgs};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "costscope",
    version,
    about = "Explore and optimize an AWS organization's costs from a local cache"
)]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,

    /// The TUI's flags, or some subcommand's given before its name.
    #[command(flatten)]
    pub root: RootFlags,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The flags every command takes: which cache, and what day it is.
#[derive(Debug, clap::Args)]
pub struct Globals {
    /// Cache file to use (default: the platform data directory; env COSTSCOPE_CACHE)
    #[arg(long, global = true, value_name = "PATH")]
    pub cache: Option<PathBuf>,

    /// Organization (o-...) or account id whose cache to open (default: the last synced)
    #[arg(long, global = true, value_name = "ID", value_parser = parse::scope_id)]
    pub org: Option<String>,

    /// Pretend today is this date (for reproducible screens and tests)
    #[arg(
        long,
        global = true,
        value_name = "YYYY-MM-DD",
        env = "COSTSCOPE_TODAY",
        hide = true
    )]
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the TUI on a synthetic demo organization (in its own cache file)
    Demo(tui::DemoArgs),
    /// Load the organization's costs from AWS Organizations and Cost Explorer (or an AWS
    /// Data Export with --source export) into the cache: closed months once, then only
    /// what can still change
    Sync(sync::SyncArgs),
    /// Read FOCUS files (Parquet, CSV, CSV.gz; any cloud, months of any age) into the cache
    Import(import::ImportArgs),
    /// Cost Explorer against the export, month by month and account by account: the
    /// variance and what explains it (no network)
    Reconcile(reconcile::ReconcileArgs),
    /// Print one month of the cache by account or service (no network): for scripts and
    /// scheduled reports
    Costs(costs::CostsArgs),
    /// Scan every account (through AssumeRole) and enabled region for waste: idle EC2
    /// and RDS, gp2 volumes, unattached volumes, old snapshots, S3 without tiering,
    /// unassociated Elastic IPs. Read-only; writes the inventory and findings to the cache
    Scan(scan::ScanArgs),
    /// Print the findings of the last scans from the cache (no network)
    Findings(findings::FindingsArgs),
    /// Dismiss a finding (later scans keep it dismissed), or restore it
    Dismiss(findings::DismissArgs),
    /// Apply the remediation of findings: prints the plan (every call and its
    /// parameters), then with --yes re-reads, dry-runs, applies and verifies each step,
    /// writing the audit log. On the demo cache it is simulated
    Apply(apply::ApplyArgs),
    /// Print the audit log of applied remediations (no network)
    Audit(apply::AuditArgs),
    /// Check the cache file's integrity
    Check,
    /// Show where costscope keeps its config, cache and logs
    Paths,
}

impl Command {
    /// The name the user typed, for messages.
    fn name(&self) -> &'static str {
        match self {
            Command::Demo(_) => "demo",
            Command::Sync(_) => "sync",
            Command::Costs(_) => "costs",
            Command::Import(_) => "import",
            Command::Reconcile(_) => "reconcile",
            Command::Scan(_) => "scan",
            Command::Findings(_) => "findings",
            Command::Dismiss(_) => "dismiss",
            Command::Apply(_) => "apply",
            Command::Audit(_) => "audit",
            Command::Check => "check",
            Command::Paths => "paths",
        }
    }

    /// Takes the flags given before the subcommand that it has a use for.
    fn absorb(&mut self, root: &mut RootFlags) {
        match self {
            Command::Demo(args) => {
                args.tui.absorb(&mut root.tui);
                args.read_only |= std::mem::take(&mut root.apply.read_only);
            }
            Command::Sync(args) => args.aws.absorb(&mut root.aws),
            Command::Scan(args) => args.aws.absorb(&mut root.aws),
            Command::Apply(ApplyArgs { aws, access, .. })
            | Command::Audit(AuditArgs { aws, access, .. }) => {
                aws.absorb(&mut root.aws);
                access.absorb(&mut root.apply);
            }
            _ => {}
        }
    }
}

/// What every subcommand may use: the global flags, the user's directories, today.
struct Context {
    cli: Globals,
    paths: Option<Paths>,
    today: NaiveDate,
}

impl Context {
    /// The real cache: the one named, else by `--org`, else the last synced.
    fn real_cache(&self) -> Result<PathBuf, AppError> {
        settings::real_cache_path(
            &self.cli.cache,
            self.cli.org.as_deref(),
            self.paths.as_ref(),
        )
    }

    /// `--demo`: the demo organization's cache; otherwise the real one.
    fn cache_or_demo(&self, demo: bool) -> Result<PathBuf, AppError> {
        settings::cache_or_demo(
            demo,
            &self.cli.cache,
            self.cli.org.as_deref(),
            self.paths.as_ref(),
        )
    }

    /// The config file's settings (defaults without a home directory).
    fn config(&self) -> Result<crate::config::Config, AppError> {
        settings::config_file(self.paths.as_ref())
    }
}

pub fn run(cli: Cli) -> Result<(), AppError> {
    let paths = Paths::discover();
    settings::init_logging(paths.as_ref());
    let today = cli
        .globals
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let Cli {
        globals,
        mut root,
        mut command,
    } = cli;
    if let Some(command) = &mut command {
        command.absorb(&mut root);
        root.refuse_leftovers(command.name())?;
    }
    let ctx = Context {
        cli: globals,
        paths,
        today,
    };
    match command {
        None => tui::open(&ctx, root),
        Some(Command::Demo(args)) => tui::demo(&ctx, args),
        Some(Command::Sync(args)) => sync::run(&ctx, args),
        Some(Command::Costs(args)) => costs::run(&ctx, args),
        Some(Command::Import(args)) => import::run(&ctx, args),
        Some(Command::Reconcile(args)) => reconcile::run(&ctx, args),
        Some(Command::Scan(args)) => scan::run(&ctx, args),
        Some(Command::Findings(args)) => findings::run(&ctx, args),
        Some(Command::Dismiss(args)) => findings::dismiss(&ctx, args),
        Some(Command::Apply(args)) => apply::run(&ctx, args),
        Some(Command::Audit(args)) => apply::audit(&ctx, args),
        Some(Command::Check) => check::check(&ctx),
        Some(Command::Paths) => check::paths(&ctx),
    }
}
