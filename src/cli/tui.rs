//! Opening the TUI: on the demo organization (`costscope demo`) or on a real cache,
//! with the background jobs and the applier it may use.

use super::apply::applier_for;
use super::output::note;
use super::settings::{
    access_of, confirm_policy, demo_cache_path, load_settings, plan_options, price_table,
    sync_options, unknown_protected_accounts, Settings,
};
use super::{AppError, ApplyFlags, AwsFlags, Context, RootFlags, TuiFlags};
use crate::config::Config;
use crate::demo::{self, DemoParams};
use crate::domain::Stamp;
use crate::jobs;
use crate::store::Store;
use crate::tui::{self, App, State};
use chrono::NaiveDate;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Number of accounts
    #[arg(long, default_value_t = demo::DEFAULT_ACCOUNTS)]
    pub accounts: usize,
    /// Seed: the same seed gives the same organization and costs
    #[arg(long, default_value_t = demo::DEFAULT_SEED)]
    pub seed: u64,
    /// Generate the demo cache and exit without opening the TUI
    #[arg(long)]
    pub no_tui: bool,
    /// Applying is refused, as on a real cache with --read-only
    #[arg(long)]
    pub read_only: bool,
    /// Start the demo afresh: regenerate it and forget what was dismissed and applied
    #[arg(long)]
    pub reset: bool,
    #[command(flatten)]
    pub tui: TuiFlags,
}

/// Generates (or reuses) the demo cache and opens the TUI on it.
pub fn demo(ctx: &Context, args: DemoArgs) -> Result<(), AppError> {
    let DemoArgs {
        accounts,
        seed,
        no_tui,
        read_only,
        reset,
        tui,
    } = args;
    let settings = load_settings(ctx.paths.as_ref(), tui.theme.as_deref())?;
    let path = demo_cache_path(&ctx.cli.cache, ctx.paths.as_ref())?;
    if reset {
        demo::reset_cache(&path)?;
    }
    let params = DemoParams {
        seed,
        accounts,
        today: ctx.today,
    };
    let (store, stats) = demo::prepare_cache(&path, params, |done, total| {
        if accounts >= 100 && done % 8 == 0 {
            note!("  generating services {done}/{total}");
        }
    })?;
    tracing::info!(cache = %path.display(), accounts, seed, today = %ctx.today, "demo cache ready");
    if let Some(stats) = stats {
        note!(
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
    let access = ApplyFlags {
        read_only,
        apply_profile: None,
    };
    let launcher = tui_applier(
        &store,
        &path,
        &AwsFlags::default(),
        &access,
        &settings.config,
    )?;
    open_tui(store, settings, ctx.today, None, launcher)
}

/// `costscope` alone: the TUI on the real cache, with sync, scan and apply.
pub fn open(ctx: &Context, flags: RootFlags) -> Result<(), AppError> {
    let mut settings = load_settings(ctx.paths.as_ref(), flags.tui.theme.as_deref())?;
    let path = ctx.real_cache()?;
    let store = Store::open_existing(&path)?;
    if let Some(warning) = unknown_protected_accounts(&settings.config, &store)? {
        settings.warning.get_or_insert(warning);
    }
    if store.is_read_only() {
        settings.warning = Some(super::settings::read_only_notice(&path));
    }
    let launcher = tui_applier(&store, &path, &flags.aws, &flags.apply, &settings.config)?;
    let jobs = tui::jobs::AwsJobs {
        cache: path,
        connect: jobs::Connect::Chain {
            profile: flags.aws.profile,
            region: flags.aws.region,
        },
        options: sync_options(&settings.config, ctx.today, Stamp::now()),
        cost_explorer: settings.config.cost_explorer(),
        export: settings
            .config
            .export_sync()
            .map(|choice| tui::jobs::ExportSync {
                choice,
                region: settings.config.export.region.clone(),
            }),
        scan: settings.config.scan.clone(),
        prices: price_table(ctx.paths.as_ref())?,
    };
    open_tui(store, settings, ctx.today, Some(Box::new(jobs)), launcher)
}
/// How the TUI applies plans: simulated on the demo, else AWS through the apply profile.
pub(super) fn tui_applier(
    store: &Store,
    path: &Path,
    aws: &AwsFlags,
    access: &ApplyFlags,
    config: &Config,
) -> Result<tui::app::ApplyLauncher, AppError> {
    Ok(tui::app::ApplyLauncher {
        applier: applier_for(store, aws, access, config)?,
        cache: path.to_path_buf(),
        access: access_of(access.read_only, config),
        plan_options: plan_options(config, false),
        policy: confirm_policy(config),
        stop_on_error: config.apply.stop_on_error,
    })
}

pub(super) fn open_tui(
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
