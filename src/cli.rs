//! Command line: `costscope` opens the TUI on the cache; subcommands do the rest.

use crate::config::{Config, ConfigError, Keymap, Paths, Theme};
use crate::demo::{self, DemoParams};
use crate::domain::findings::Rule;
use crate::domain::{Metric, Money, Month};
use crate::jobs;
use crate::report::{self, Format, GroupBy, ReportError};
use crate::store::{Store, StoreError};
use crate::tui::{self, App, State};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use tokio::signal::unix::{signal, SignalKind};

#[derive(Debug, Parser)]
#[command(
    name = "costscope",
    version,
    about = "Explore and optimize an AWS organization's costs from a local cache"
)]
pub struct Cli {
    /// Cache file to use (default: the platform data directory; env COSTSCOPE_CACHE)
    #[arg(long, global = true, value_name = "PATH")]
    pub cache: Option<PathBuf>,

    /// Theme: default, light, high-contrast, or a file in the config's themes/ directory
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,

    /// Organization (o-...) or account id whose cache to open (default: the last synced)
    #[arg(long, global = true, value_name = "ID", value_parser = parse_scope_id)]
    pub org: Option<String>,

    /// AWS profile from the shared config files (default: the standard chain)
    #[arg(long, global = true)]
    pub profile: Option<String>,

    /// AWS region for the API clients
    #[arg(long, global = true)]
    pub region: Option<String>,

    /// Never change anything in AWS: applying is refused everywhere (also [apply]
    /// read_only in the config)
    #[arg(long, global = true)]
    pub read_only: bool,

    /// AWS profile that applies remediations (default: [apply] profile, else the
    /// reading profile); lets reading use a read-only identity
    #[arg(long, global = true, value_name = "PROFILE")]
    pub apply_profile: Option<String>,

    /// Pretend today is this date (for reproducible screens and tests)
    #[arg(
        long,
        global = true,
        value_name = "YYYY-MM-DD",
        env = "COSTSCOPE_TODAY",
        hide = true
    )]
    pub today: Option<NaiveDate>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the TUI on a synthetic demo organization (in its own cache file)
    Demo {
        /// Number of accounts
        #[arg(long, default_value_t = demo::DEFAULT_ACCOUNTS)]
        accounts: usize,
        /// Seed: the same seed gives the same organization and costs
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        /// Generate the demo cache and exit without opening the TUI
        #[arg(long)]
        no_tui: bool,
    },
    /// Load the organization's costs from AWS Organizations and Cost Explorer into the
    /// cache: closed months once, then only the months that can still change
    Sync {
        /// Refetch every month, closed ones too
        #[arg(long)]
        full: bool,
        /// Stop rather than spend more than this many dollars on Cost Explorer requests
        /// ($0.01 each); default: max_sync_cost in the config, else no cap
        #[arg(long, value_name = "DOLLARS", value_parser = parse_dollars)]
        max_cost: Option<Money>,
    },
    /// Print one month of the cache by account or service (no network): for scripts and
    /// scheduled reports
    Costs {
        /// The month, YYYY-MM (default: last month)
        #[arg(long, value_parser = parse_month)]
        month: Option<Month>,
        /// Group by account or by service
        #[arg(long, value_enum, default_value = "account")]
        by: GroupBy,
        /// Output format; CSV has a header row and one row per account or service
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Cost metric: unblended or amortized
        #[arg(long, value_parser = parse_metric, default_value = "unblended")]
        metric: Metric,
    },
    /// Scan every account (through AssumeRole) and enabled region for waste: idle EC2
    /// and RDS, gp2 volumes, unattached volumes, old snapshots, S3 without tiering,
    /// unassociated Elastic IPs. Read-only; writes the inventory and findings to the cache
    Scan {
        /// Only this account id (repeatable; default: [scan] accounts, else every account)
        #[arg(long = "account", value_name = "ID")]
        accounts: Vec<String>,
        /// Only these regions, comma-separated (default: [scan] regions, else every
        /// enabled region)
        #[arg(long, value_name = "REGION,...", value_delimiter = ',')]
        regions: Vec<String>,
        /// Role to assume in the other accounts (default: [scan] role_name, else
        /// OrganizationAccountAccessRole)
        #[arg(long, value_name = "NAME")]
        role: Option<String>,
        /// Account-regions scanned at the same time (default: [scan] concurrency, 8)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
        concurrency: Option<u32>,
        /// Rescan everything, also what a scan covered in the last
        /// [scan] resume_within_minutes (60)
        #[arg(long)]
        full: bool,
    },
    /// Print the findings of the last scans from the cache (no network)
    Findings {
        /// Output format
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Only this rule (idle-ec2, gp2-volume, unattached-volume, old-snapshot,
        /// s3-tiering, idle-rds, unassociated-eip)
        #[arg(long, value_parser = parse_rule)]
        rule: Option<Rule>,
        /// Only this account id
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// Include dismissed and closed findings
        #[arg(long)]
        all: bool,
    },
    /// Dismiss a finding (later scans keep it dismissed), or restore it
    Dismiss {
        /// The finding's id (from `costscope findings`)
        id: i64,
        /// Why it is dismissed (kept with the finding)
        #[arg(long, required_unless_present = "restore")]
        reason: Option<String>,
        /// Undo an earlier dismissal
        #[arg(long)]
        restore: bool,
    },
    /// Apply the remediation of findings: prints the plan (every call and its
    /// parameters), then with --yes re-reads, dry-runs, applies and verifies each step,
    /// writing the audit log. On the demo cache it is simulated
    Apply {
        /// Finding ids (from `costscope findings`)
        ids: Vec<i64>,
        /// Run a plan saved with --save-plan instead of planning the ids
        #[arg(long, value_name = "FILE", conflicts_with = "ids")]
        plan: Option<PathBuf>,
        /// Write the plan as JSON to FILE and stop (nothing is applied)
        #[arg(long, value_name = "FILE")]
        save_plan: Option<PathBuf>,
        /// Apply the plan; without it the plan is only printed
        #[arg(long)]
        yes: bool,
        /// The text the plan's confirmation asks for, as the TUI's dialog does: the
        /// number of steps for deletes and big plans, the account's name for a
        /// protected account (the plan says which)
        #[arg(long, value_name = "TEXT")]
        confirm: Option<String>,
        /// Stop at the first failed step (default: [apply] stop_on_error, else go on)
        #[arg(long)]
        stop_on_error: bool,
        /// Idle RDS: take a final snapshot and delete the instance instead of stopping it
        #[arg(long)]
        delete_databases: bool,
        /// Use the demo organization's cache (simulated; nothing leaves the machine)
        #[arg(long)]
        demo: bool,
    },
    /// Print the audit log of applied remediations (no network)
    Audit {
        /// Output format
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Only this plan
        #[arg(long, value_name = "N")]
        plan: Option<i64>,
        /// Read the demo organization's cache
        #[arg(long)]
        demo: bool,
        /// Re-read every step whose outcome is not confirmed yet (RE-VERIFY) and close
        /// it as verified or not applied; reads only, as the apply identity
        #[arg(long)]
        reverify: bool,
    },
    /// Check the cache file's integrity
    Check,
    /// Show where costscope keeps its config, cache and logs
    Paths,
}

fn parse_scope_id(text: &str) -> Result<String, String> {
    let org = text.starts_with("o-") && crate::domain::scope::is_scope_key(&format!("org-{text}"));
    let account = text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit());
    if org || account {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is neither an organization id (o-...) nor a 12-digit account id"
        ))
    }
}

fn parse_rule(text: &str) -> Result<Rule, String> {
    Rule::parse(text).ok_or_else(|| {
        format!(
            "{text:?} is not a rule; use one of: {}",
            Rule::ALL.map(Rule::name).join(", ")
        )
    })
}

fn parse_month(text: &str) -> Result<Month, String> {
    Month::parse(text).ok_or_else(|| format!("{text:?} is not a month; use YYYY-MM, e.g. 2026-10"))
}

fn parse_dollars(text: &str) -> Result<Money, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not an amount in dollars, e.g. 0.50"))
}

fn parse_metric(text: &str) -> Result<Metric, String> {
    Metric::parse(text)
        .ok_or_else(|| format!("{text:?} is not a metric; use unblended or amortized"))
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Theme(#[from] crate::config::theme::ThemeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),
    #[error("the sync finished with {0} month(s) not loaded (see above); the cache keeps what it had for them")]
    SyncIncomplete(usize),
    #[error("the scan could not reach {0} account(s) or region(s) (listed above); their findings are unknown, not zero")]
    ScanIncomplete(usize),
    #[error("there is no finding {0} in the cache (see `costscope findings --all`)")]
    NoSuchFinding(i64),
    #[error(transparent)]
    Apply(#[from] crate::remediate::ApplyError),
    #[error("nothing to apply: {0}")]
    NothingToApply(String),
    #[error("cannot read the plan file {path}: {message}")]
    PlanFile { path: PathBuf, message: String },
    #[error("the plan finished with steps not done ({0}); see `costscope audit`")]
    ApplyIncomplete(String),
    #[error("nothing applied: this plan needs typed confirmation because {why}; add --confirm {text:?} (as the TUI's dialog asks)")]
    ConfirmationNeeded { text: String, why: String },
    #[error("{0} step(s) still have no confirmed outcome (see above); run `costscope audit --reverify` again later")]
    StillUnverified(usize),
    #[error("terminal error: {0}")]
    Terminal(#[from] std::io::Error),
    #[error("cannot find a home directory for the default cache location; pass --cache PATH")]
    NoHome,
    #[error(
        "the cache {path} has problems:\n{problems}\nMove it aside and rebuild it (see README)."
    )]
    Integrity { path: PathBuf, problems: String },
}

impl AppError {
    /// 3: the scan (or plan) finished but some accounts, regions (or steps) were not
    /// done; 2: anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::ScanIncomplete(_)
            | AppError::ApplyIncomplete(_)
            | AppError::StillUnverified(_) => 3,
            _ => 2,
        }
    }
}

/// The config file's settings (defaults without a home directory); warnings are for
/// the TUI's message line, so the headless commands drop them.
fn config_file(paths: Option<&Paths>) -> Result<Config, AppError> {
    Ok(match paths {
        Some(p) => Config::load(&p.config_file())?.0,
        None => Config::default(),
    })
}

/// Everything the TUI needs from the user's files.
struct Settings {
    config: Config,
    keymap: Keymap,
    theme: Theme,
    themes_dir: Option<PathBuf>,
    warning: Option<String>,
}

fn load_settings(paths: Option<&Paths>, theme_flag: Option<&str>) -> Result<Settings, AppError> {
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

fn init_logging(paths: Option<&Paths>) {
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

pub fn run(cli: Cli) -> Result<(), AppError> {
    let paths = Paths::discover();
    init_logging(paths.as_ref());
    let today = cli
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let flags = cli.apply_options();
    match cli.command {
        Some(Command::Paths) => {
            print_paths(paths.as_ref(), cli.cache.as_deref());
            Ok(())
        }
        Some(Command::Sync { full, max_cost }) => {
            let config = config_file(paths.as_ref())?;
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let mut options = sync_options(&config, today, now);
            options.full = full;
            options.max_cost = max_cost.or(config.max_sync_cost);
            let target = SyncTarget {
                profile: cli.profile,
                region: cli.region,
                cache: explicit_cache(&cli.cache),
            };
            let (path, report) =
                sync_now(&target, paths.as_ref(), &options, &config.cost_explorer())?;
            eprintln!(
                "synced {} month(s), {} rows, {} Cost Explorer request(s) ({}{}) into {}",
                report.months_written.len(),
                report.rows,
                report.ce_requests,
                crate::domain::call_prices::ce_price(u64::from(report.ce_requests)),
                match report.ce_throttles {
                    0 => String::new(),
                    n => format!(", {n} throttled"),
                },
                path.display()
            );
            if report.failures.is_empty() {
                Ok(())
            } else {
                Err(AppError::SyncIncomplete(report.failures.len()))
            }
        }
        Some(Command::Costs {
            month,
            by,
            format,
            metric,
        }) => {
            let path = real_cache_path(&cli.cache, cli.org.as_deref(), paths.as_ref())?;
            let store = Store::open(&path)?;
            let month = month.unwrap_or_else(|| Month::of(today).offset(-1));
            let report = report::month_report(&store, month, by, metric)?;
            print!("{}", report::render(&report, format)?);
            Ok(())
        }
        Some(Command::Scan {
            accounts,
            regions,
            role,
            concurrency,
            full,
        }) => {
            let config = config_file(paths.as_ref())?;
            let prices = price_table(paths.as_ref())?;
            let mut settings = config.scan.clone();
            if !accounts.is_empty() {
                settings.accounts = accounts;
            }
            if !regions.is_empty() {
                settings.regions = regions;
            }
            if let Some(role) = role {
                settings.role_name = role;
            }
            if let Some(n) = concurrency {
                settings.concurrency = n;
            }
            if full {
                settings.resume_within_minutes = 0;
            }
            let target = SyncTarget {
                profile: cli.profile,
                region: cli.region,
                cache: explicit_cache(&cli.cache),
            };
            let settings_resume = settings.resume_within_minutes;
            let (path, report) = scan_now(&target, paths.as_ref(), settings, prices)?;
            let c = &report.changes;
            eprintln!(
                "scanned {} unit(s) of {} account(s): {} resource(s); findings: {} new, {} still open, {} closed; {} CloudWatch request(s) for {} metric(s) ({}){} -> {}",
                report.units_scanned,
                report.accounts,
                report.resources,
                c.new,
                c.still_open,
                c.closed,
                report.meter.requests("cloudwatch"),
                report.meter.metrics(),
                crate::domain::call_prices::cloudwatch_price(u64::from(report.meter.metrics())),
                match report.meter.throttled() {
                    0 => String::new(),
                    n => format!("; {n} request(s) throttled and retried"),
                },
                path.display()
            );
            for (account, unit, reason) in &report.not_scanned {
                eprintln!("  not scanned: {account} {unit}: {reason}");
            }
            for (account, unit, what) in &report.partial {
                eprintln!("  partial: {account} {unit}: {what}");
            }
            if !report.resumed.is_empty() {
                eprintln!(
                    "kept {} unit(s) an earlier scan covered in the last {} minute(s) (--full rescans them)",
                    report.resumed.len(),
                    settings_resume
                );
            }
            eprintln!("see them with `costscope findings` or in the TUI (`:findings`)");
            let incomplete = report.not_scanned.len() + report.partial.len();
            if incomplete == 0 {
                Ok(())
            } else {
                Err(AppError::ScanIncomplete(incomplete))
            }
        }
        Some(Command::Findings {
            format,
            rule,
            account,
            all,
        }) => {
            let path = real_cache_path(&cli.cache, cli.org.as_deref(), paths.as_ref())?;
            let store = Store::open(&path)?;
            let filter = crate::store::FindingFilter { all, rule, account };
            let findings = store.findings(&filter)?;
            let units = store.scan_units()?;
            print!(
                "{}",
                crate::findings_report::render_findings(
                    &findings,
                    &units,
                    format,
                    report::DataSource::of(&store)?
                )?
            );
            Ok(())
        }
        Some(Command::Dismiss {
            id,
            reason,
            restore,
        }) => {
            let path = real_cache_path(&cli.cache, cli.org.as_deref(), paths.as_ref())?;
            let store = Store::open(&path)?;
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let found = if restore {
                store.restore_finding(id)?
            } else {
                store.dismiss_finding(id, reason.as_deref().unwrap_or_default(), &now)?
            };
            if !found {
                return Err(AppError::NoSuchFinding(id));
            }
            eprintln!(
                "finding {id} {}",
                if restore { "restored" } else { "dismissed" }
            );
            Ok(())
        }
        Some(Command::Apply {
            ids,
            plan,
            save_plan,
            yes,
            confirm,
            stop_on_error,
            delete_databases,
            demo,
        }) => {
            let config = config_file(paths.as_ref())?;
            let path = cache_or_demo(demo, &cli.cache, cli.org.as_deref(), paths.as_ref())?;
            let store = Store::open(&path)?;
            let applier = applier_for(&store, &flags, &config)?;
            let plan = match plan {
                // A saved plan runs only as it was shown, and only its steps whose
                // findings are still open for the same resource.
                Some(file) => crate::remediate::plan::recheck(&store, read_plan(&file)?)?,
                None if ids.is_empty() => {
                    return Err(AppError::NothingToApply(
                        "give finding ids (see `costscope findings`) or --plan FILE".into(),
                    ))
                }
                None => crate::remediate::plan::plan_findings(
                    &store,
                    &ids,
                    &plan_options(&config, delete_databases),
                )?,
            };
            let pending = crate::audit_report::pending_warning(&store)?;
            drop(store);
            let confirmation = plan.confirmation(&confirm_policy(&config));
            print!(
                "{}",
                crate::audit_report::plan_text(&plan, None, applier.is_simulated())
            );
            println!(
                "\n{}",
                crate::audit_report::confirmation_text(&confirmation)
            );
            if let Some(warning) = pending {
                eprintln!("{warning}");
            }
            if let Some(file) = save_plan {
                write_plan(&file, &plan)?;
                eprintln!("plan saved to {}; nothing applied", file.display());
                return Ok(());
            }
            if plan.steps.is_empty() {
                return Err(AppError::NothingToApply(
                    "every finding was left out (see above)".into(),
                ));
            }
            let access = access_of(cli.read_only, &config);
            if access == crate::remediate::Access::ReadOnly {
                return Err(crate::remediate::ApplyError::ReadOnly.into());
            }
            if !yes {
                let typed = match &confirmation {
                    crate::domain::remediation::Confirmation::Type { text, .. } => {
                        format!(" --confirm {text:?}")
                    }
                    crate::domain::remediation::Confirmation::Press => String::new(),
                };
                eprintln!(
                    "nothing applied: add --yes{typed} to apply these {} step(s)",
                    plan.steps.len()
                );
                return Ok(());
            }
            if let crate::domain::remediation::Confirmation::Type { text, why } = confirmation {
                if confirm.as_deref().map(str::trim) != Some(text.as_str()) {
                    return Err(AppError::ConfirmationNeeded { text, why });
                }
            }
            let job = crate::jobs::Job {
                cache: path,
                plan,
                identity: String::new(),
                stop_on_error: stop_on_error || config.apply.stop_on_error,
                stop: Default::default(),
            };
            let summary = apply_now(&applier, access, job)?;
            eprintln!("plan {}: {}", summary.plan, summary.line());
            if summary.all_verified() {
                Ok(())
            } else {
                Err(AppError::ApplyIncomplete(summary.line()))
            }
        }
        Some(Command::Audit {
            format,
            plan,
            demo,
            reverify,
        }) => {
            let path = cache_or_demo(demo, &cli.cache, cli.org.as_deref(), paths.as_ref())?;
            if reverify {
                let config = config_file(paths.as_ref())?;
                let applier = applier_for(&Store::open(&path)?, &flags, &config)?;
                return reverify_now(&applier, access_of(cli.read_only, &config), &path);
            }
            let store = Store::open(&path)?;
            let entries = crate::store::AuditLog::open_for(&store)?.entries(plan)?;
            print!(
                "{}",
                crate::audit_report::render_audit(
                    &entries,
                    format,
                    report::DataSource::of(&store)?
                )?
            );
            Ok(())
        }
        Some(Command::Check) => {
            let path = real_cache_path(&cli.cache, cli.org.as_deref(), paths.as_ref())?;
            let store = Store::open(&path)?;
            let mut problems = store.integrity_check()?;
            if demo::is_incomplete(&store)? {
                problems.retain(|p| p != "ok");
                problems.push(
                    "the demo data is incomplete: its generation was interrupted; run `costscope demo` again to regenerate it".into(),
                );
            }
            if problems == ["ok"] {
                println!("{}: ok", path.display());
                Ok(())
            } else {
                Err(AppError::Integrity {
                    path,
                    problems: problems.join("\n"),
                })
            }
        }
        Some(Command::Demo {
            accounts,
            seed,
            no_tui,
        }) => {
            let settings = load_settings(paths.as_ref(), cli.theme.as_deref())?;
            let path = demo_cache_path(&cli.cache, paths.as_ref())?;
            let params = DemoParams {
                seed,
                accounts,
                today,
            };
            let (store, stats) = demo::prepare_cache(&path, params, |done, total| {
                if accounts >= 100 && done % 8 == 0 {
                    eprintln!("  generating services {done}/{total}");
                }
            })?;
            tracing::info!(cache = %path.display(), accounts, seed, %today, "demo cache ready");
            if let Some(stats) = stats {
                eprintln!(
                    "demo organization: {accounts} accounts, {} daily rows in {:.1}s ({:.0} rows/s) -> {}",
                    stats.rows,
                    stats.elapsed.as_secs_f64(),
                    stats.rows_per_second(),
                    path.display()
                );
            }
            if no_tui {
                return Ok(());
            }
            let launcher = tui_applier(&store, &path, &flags, &settings.config)?;
            open_tui(store, settings, today, None, launcher)
        }
        None => {
            let settings = load_settings(paths.as_ref(), cli.theme.as_deref())?;
            let path = real_cache_path(&cli.cache, cli.org.as_deref(), paths.as_ref())?;
            let store = Store::open(&path)?;
            let launcher = tui_applier(&store, &path, &flags, &settings.config)?;
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let jobs = tui::jobs::AwsJobs {
                cache: path,
                connect: jobs::Connect::Chain {
                    profile: cli.profile,
                    region: cli.region,
                },
                options: sync_options(&settings.config, today, now),
                cost_explorer: settings.config.cost_explorer(),
                scan: settings.config.scan.clone(),
                prices: price_table(paths.as_ref())?,
            };
            open_tui(store, settings, today, Some(Box::new(jobs)), launcher)
        }
    }
}

/// The global flags that decide who applies, and whether anything may be applied.
struct ApplyFlags {
    profile: Option<String>,
    apply_profile: Option<String>,
    region: Option<String>,
    read_only: bool,
}

impl Cli {
    fn apply_options(&self) -> ApplyFlags {
        ApplyFlags {
            profile: self.profile.clone(),
            apply_profile: self.apply_profile.clone(),
            region: self.region.clone(),
            read_only: self.read_only,
        }
    }
}

/// `--demo`: the demo organization's cache; otherwise the real one.
fn cache_or_demo(
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
fn demo_cache_path(flag: &Option<PathBuf>, paths: Option<&Paths>) -> Result<PathBuf, AppError> {
    match (flag, paths) {
        (Some(p), _) => Ok(p.clone()),
        (None, Some(p)) => Ok(p.demo_cache_file()),
        (None, None) => Err(AppError::NoHome),
    }
}

/// Read-only when the flag or the config says so.
fn access_of(read_only_flag: bool, config: &Config) -> crate::remediate::Access {
    if read_only_flag || config.apply.read_only {
        crate::remediate::Access::ReadOnly
    } else {
        crate::remediate::Access::ReadWrite
    }
}

/// The simulation for a demo cache; otherwise AWS through the apply profile
/// (`--apply-profile`, else `[apply] profile`, else the reading profile).
fn applier_for(
    store: &Store,
    flags: &ApplyFlags,
    config: &Config,
) -> Result<crate::jobs::Applier, AppError> {
    use crate::jobs::Applier;
    if store.kind()? == Some(crate::store::CacheKind::Demo) {
        return Ok(Applier::Simulated);
    }
    Ok(Applier::Aws {
        connect: crate::jobs::Connect::Chain {
            profile: flags
                .apply_profile
                .clone()
                .or_else(|| config.apply.profile.clone())
                .or_else(|| flags.profile.clone()),
            region: flags.region.clone(),
        },
        role_name: config.scan.role_name.clone(),
    })
}

fn plan_options(
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

fn read_plan(file: &Path) -> Result<crate::domain::remediation::Plan, AppError> {
    let err = |message: String| AppError::PlanFile {
        path: file.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(file).map_err(|e| err(e.to_string()))?;
    crate::domain::remediation::SavedPlan::open(&text).map_err(err)
}

fn write_plan(file: &Path, plan: &crate::domain::remediation::Plan) -> Result<(), AppError> {
    let err = |message: String| AppError::PlanFile {
        path: file.to_path_buf(),
        message,
    };
    let text = crate::domain::remediation::SavedPlan::seal(plan).map_err(err)?;
    std::fs::write(file, text + "\n").map_err(|e| err(e.to_string()))
}

/// `costscope apply --yes`: who applies, then every step with a line of progress.
fn apply_now(
    applier: &crate::jobs::Applier,
    access: crate::remediate::Access,
    mut job: crate::jobs::Job,
) -> Result<crate::remediate::ApplySummary, AppError> {
    use crate::remediate::{ApplyEvent, StepOutcome};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let accounts: Vec<String> = job
            .plan
            .accounts()
            .into_iter()
            .map(str::to_string)
            .collect();
        let acting = applier.acting(access, &accounts).await?;
        eprintln!("applying as {}", acting.caller);
        for (account, who) in acting.differing() {
            match who {
                Ok(arn) => eprintln!("  in {account} as {arn}"),
                Err(e) => eprintln!("  in {account}: cannot act ({e}); its steps will fail"),
            }
        }
        job.identity = acting.caller;
        // Ctrl-C, SIGTERM and SIGHUP stop the plan after the step in flight, whose
        // outcome is written first: never an intent left without one.
        for (kind, name) in [
            (SignalKind::interrupt(), "SIGINT"),
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), "SIGHUP"),
        ] {
            let mut listener = signal(kind)?;
            let stop = job.stop.clone();
            tokio::spawn(async move {
                while listener.recv().await.is_some() {
                    eprintln!(
                        "{name}: stopping after the step in flight (its outcome is written first)"
                    );
                    stop.request(name);
                }
            });
        }
        let steps: Vec<String> = job.plan.steps.iter().map(|s| s.resource.clone()).collect();
        let total = steps.len();
        let mut progress = |event: ApplyEvent| match event {
            ApplyEvent::Phase { index, phase } => {
                eprintln!("  [{}/{total}] {}: {phase}", index + 1, steps[index]);
            }
            ApplyEvent::Finished { index, outcome } => {
                let reason = outcome
                    .reason()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                let mark = if outcome == StepOutcome::Verified {
                    "ok"
                } else {
                    "!!"
                };
                eprintln!(
                    "  [{}/{total}] {} {mark} {}{reason}",
                    index + 1,
                    steps[index],
                    outcome.label()
                );
            }
        };
        Ok(applier.run(access, &job, &mut progress).await?)
    })
}

/// `costscope audit --reverify`: re-read every pending step, one line each.
fn reverify_now(
    applier: &crate::jobs::Applier,
    access: crate::remediate::Access,
    cache: &Path,
) -> Result<(), AppError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let results = runtime.block_on(applier.reverify(access, cache))?;
    if results.is_empty() {
        println!("nothing to re-verify: every change in the audit log has a confirmed outcome");
        return Ok(());
    }
    let mut still = 0;
    for (intent, outcome) in &results {
        let why = match outcome {
            crate::remediate::Reverified::Verified => String::new(),
            crate::remediate::Reverified::NotApplied(why) => format!(": {why}"),
            crate::remediate::Reverified::StillUnknown(why) => {
                still += 1;
                format!(": {why}")
            }
        };
        println!(
            "plan {} step {} {} {} {} {}: {}{why}",
            intent.plan,
            intent.step.map_or(0, |s| s + 1),
            intent.account,
            intent.region,
            intent.resource,
            intent.action,
            outcome.label()
        );
    }
    if still == 0 {
        Ok(())
    } else {
        Err(AppError::StillUnverified(still))
    }
}

/// What makes a plan's confirmation stronger, from `[apply]`: the same for the TUI and
/// the command line.
fn confirm_policy(config: &Config) -> crate::domain::remediation::ConfirmPolicy {
    crate::domain::remediation::ConfirmPolicy {
        typed_over: config.apply.typed_confirmation_over as usize,
        protected_accounts: config.apply.protected_accounts.clone(),
    }
}

/// `--cache`, else COSTSCOPE_CACHE: a cache the user named.
fn explicit_cache(flag: &Option<PathBuf>) -> Option<PathBuf> {
    flag.clone().or_else(|| {
        std::env::var_os("COSTSCOPE_CACHE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    })
}

/// The real cache to read: one the user named, else by `--org`, else the last synced.
fn real_cache_path(
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
fn price_table(paths: Option<&Paths>) -> Result<crate::domain::prices::PriceTable, AppError> {
    Ok(match paths {
        Some(p) => crate::config::prices::load_prices(&p.prices_file())?,
        None => crate::config::prices::built_in_prices(),
    })
}

/// Sync settings from the config file.
fn sync_options(config: &Config, today: NaiveDate, now: String) -> crate::sync::SyncOptions {
    let mut options = crate::sync::SyncOptions::new(today, now);
    options.max_cost = config.max_sync_cost;
    options.final_after_day = config.bill_final_after_day;
    options
}

/// Where a headless sync reads from and writes to.
struct SyncTarget {
    profile: Option<String>,
    region: Option<String>,
    /// A cache the user named; otherwise the cache of the signed-in scope.
    cache: Option<PathBuf>,
}

/// `costscope sync`: identify, choose the scope's cache, sync with a progress bar on a
/// terminal (plain lines otherwise), and remember the scope for the next `costscope`.
fn sync_now(
    target: &SyncTarget,
    paths: Option<&Paths>,
    options: &crate::sync::SyncOptions,
    cost_explorer: &crate::config::CostExplorerSettings,
) -> Result<(PathBuf, crate::sync::SyncReport), AppError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let session = target.session().await?;
        let (identified, path, mut store) =
            open_scope_cache(target, paths, &session, &options.now).await?;
        let mut progress = crate::progress::SyncProgress::for_stderr();
        let report = session
            .sync(
                &mut store,
                &identified,
                options,
                cost_explorer,
                &mut progress,
            )
            .await;
        progress.finish();
        let report = report?;
        remember(target, paths, &identified);
        Ok((path, report))
    })
}

impl SyncTarget {
    async fn session(&self) -> Result<jobs::Session, AppError> {
        Ok(jobs::Session::open(&jobs::Connect::Chain {
            profile: self.profile.clone(),
            region: self.region.clone(),
        })
        .await?)
    }
}

/// Who is signed in, and the cache of that scope (or the one the user named).
async fn open_scope_cache(
    target: &SyncTarget,
    paths: Option<&Paths>,
    session: &jobs::Session,
    now: &str,
) -> Result<(crate::sync::Identified, PathBuf, Store), AppError> {
    let identified = session.identify(now).await?;
    let path =
        jobs::scope_cache(target.cache.as_ref(), paths, &identified).ok_or(AppError::NoHome)?;
    let store = Store::open(&path)?;
    Ok((identified, path, store))
}

/// The next `costscope` opens this scope's cache.
fn remember(target: &SyncTarget, paths: Option<&Paths>, identified: &crate::sync::Identified) {
    if let (None, Some(p)) = (&target.cache, paths) {
        if let Err(e) = p.remember_scope(&identified.scope.key()) {
            tracing::warn!(error = %e, "could not remember the last synced scope");
        }
    }
}

/// `costscope scan`: identify, open the scope's cache, scan with progress lines.
fn scan_now(
    target: &SyncTarget,
    paths: Option<&Paths>,
    settings: crate::config::ScanSettings,
    prices: crate::domain::prices::PriceTable,
) -> Result<(PathBuf, crate::sync::scan::ScanReport), AppError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let now = chrono::Utc::now();
    runtime.block_on(async {
        let session = target.session().await?;
        let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (identified, path, mut store) =
            open_scope_cache(target, paths, &session, &stamp).await?;
        let options = crate::sync::scan::ScanOptions {
            settings,
            prices,
            now,
        };
        let mut progress = |event: &crate::sync::SyncEvent| eprintln!("{event}");
        let report = session
            .scan(&mut store, &identified, &options, &mut progress)
            .await?;
        remember(target, paths, &identified);
        Ok((path, report))
    })
}

fn print_paths(paths: Option<&Paths>, cache: Option<&Path>) {
    let Some(p) = paths else {
        println!("no home directory found: pass --cache PATH");
        return;
    };
    let cache = cache.map_or_else(|| p.cache_file(), Path::to_path_buf);
    println!("config:     {}", p.config_file().display());
    println!("keymap:     {}", p.keymap_file().display());
    println!("themes:     {}", p.themes_dir().display());
    println!("cache:      {}", cache.display());
    println!("demo cache: {}", p.demo_cache_file().display());
    println!("log:        {}", p.log_file().display());
}

/// How the TUI applies plans: simulated on the demo, else AWS through the apply profile.
fn tui_applier(
    store: &Store,
    path: &Path,
    flags: &ApplyFlags,
    config: &Config,
) -> Result<tui::app::ApplyLauncher, AppError> {
    Ok(tui::app::ApplyLauncher {
        applier: applier_for(store, flags, config)?,
        cache: path.to_path_buf(),
        access: access_of(flags.read_only, config),
        plan_options: plan_options(config, false),
        policy: confirm_policy(config),
        stop_on_error: config.apply.stop_on_error,
    })
}

fn open_tui(
    store: Store,
    settings: Settings,
    today: NaiveDate,
    jobs: Option<Box<dyn tui::jobs::JobLauncher>>,
    launcher: tui::app::ApplyLauncher,
) -> Result<(), AppError> {
    let mut state = State::new(&settings.config, settings.theme, settings.keymap, today);
    if let Some(w) = settings.warning {
        state.message = Some((tui::state::Severity::Warning, w));
    }
    tracing::info!(cache = %store.path().display(), "opening the TUI");
    let mut app = App::new(store, state, settings.themes_dir)?.with_applier(launcher);
    if let Some(jobs) = jobs {
        app = app.with_jobs(jobs);
    }
    // ratatui::init installs a panic hook that restores the terminal before the report.
    let mut terminal = ratatui::init();
    let result = app.run(&mut terminal);
    ratatui::restore();
    Ok(result?)
}
