//! `costscope apply` and `costscope audit`: a plan shown exactly as it will run, then
//! applied only with --yes (and the typed text when the policy asks); the audit log and
//! re-reading the steps whose outcome is unknown.

use super::output::{note, out, outln};
use super::settings::{access_of, confirm_policy, plan_options};
use super::{AppError, ApplyFlags, AwsFlags, Context};
use crate::config::Config;
use crate::domain::remediation::{Confirmation, Plan};
use crate::report::{self, Format};
use crate::store::Store;
use std::path::{Path, PathBuf};
use tokio::signal::unix::{signal, SignalKind};

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// Finding ids (from `costscope findings`)
    pub ids: Vec<i64>,
    /// Run a plan saved with --save-plan instead of planning the ids
    #[arg(long, value_name = "FILE", conflicts_with = "ids")]
    pub plan: Option<PathBuf>,
    /// Write the plan as JSON to FILE and stop (nothing is applied)
    #[arg(long, value_name = "FILE")]
    pub save_plan: Option<PathBuf>,
    /// Apply the plan; without it the plan is only printed
    #[arg(long)]
    pub yes: bool,
    /// The text the plan's confirmation asks for, as the TUI's dialog does: the
    /// number of steps for deletes and big plans, the account's name for a
    /// protected account (the plan says which)
    #[arg(long, value_name = "TEXT")]
    pub confirm: Option<String>,
    /// Stop at the first failed step (default: [apply] stop_on_error, else go on)
    #[arg(long)]
    pub stop_on_error: bool,
    /// Idle RDS: take a final snapshot and delete the instance instead of stopping it
    #[arg(long)]
    pub delete_databases: bool,
    /// Use the demo organization's cache (simulated; nothing leaves the machine)
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub aws: AwsFlags,
    #[command(flatten)]
    pub access: ApplyFlags,
}

/// Plans, shows, and applies when confirmed; exit 3 when steps were not all verified.
pub fn run(ctx: &Context, args: ApplyArgs) -> Result<(), AppError> {
    let ApplyArgs {
        ids,
        plan,
        save_plan,
        yes,
        confirm,
        stop_on_error,
        delete_databases,
        demo,
        aws,
        access,
    } = args;
    let config = ctx.config()?;
    let path = ctx.cache_or_demo(demo)?;
    let store = super::settings::open_cache(&path)?;
    let applier = applier_for(&store, &aws, &access, &config)?;
    let plan = plan_to_run(&store, &config, plan.as_deref(), &ids, delete_databases)?;
    let pending = crate::remediate::pending_warning(&store)?;
    if let Some(warning) = super::settings::unknown_protected_accounts(&config, &store)? {
        note!("warning: {warning}");
    }
    drop(store);
    let confirmation = plan.confirmation(&confirm_policy(&config));
    out!(
        "{}",
        crate::report::audit::plan_text(&plan, None, applier.is_simulated())
    );
    outln!("\n{}", confirmation.describe());
    if let Some(warning) = pending {
        note!("{warning}");
    }
    if let Some(file) = save_plan {
        write_plan(&file, &plan)?;
        note!("plan saved to {}; nothing applied", file.display());
        return Ok(());
    }
    if plan.steps.is_empty() {
        return Err(AppError::NothingToApply(
            "every finding was left out (see above)".into(),
        ));
    }
    let access = access_of(access.read_only, &config);
    if access == crate::remediate::Access::ReadOnly {
        return Err(crate::remediate::ApplyError::ReadOnly.into());
    }
    if !confirmed(yes, confirm.as_deref(), confirmation, plan.steps.len())? {
        return Ok(());
    }
    let job = crate::jobs::Job {
        cache: path,
        plan,
        identity: String::new(),
        stop_on_error: stop_on_error || config.apply.stop_on_error,
        stop: Default::default(),
    };
    let summary = apply_now(&applier, access, job)?;
    note!("plan {}: {}", summary.plan, summary.line());
    if summary.all_verified() {
        Ok(())
    } else {
        Err(AppError::ApplyIncomplete(summary.line()))
    }
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Only this plan
    #[arg(long, value_name = "N")]
    pub plan: Option<i64>,
    /// Read the demo organization's cache
    #[arg(long)]
    pub demo: bool,
    /// Re-read every step whose outcome is not confirmed yet (RE-VERIFY) and close
    /// it as verified or not applied; reads only, as the apply identity
    #[arg(long)]
    pub reverify: bool,
    #[command(flatten)]
    pub aws: AwsFlags,
    #[command(flatten)]
    pub access: ApplyFlags,
}

/// Prints the audit log, or re-reads the pending steps.
pub fn audit(ctx: &Context, args: AuditArgs) -> Result<(), AppError> {
    let AuditArgs {
        format,
        plan,
        demo,
        reverify,
        aws,
        access,
    } = args;
    let path = ctx.cache_or_demo(demo)?;
    if reverify {
        let config = ctx.config()?;
        let applier = applier_for(&super::settings::open_cache(&path)?, &aws, &access, &config)?;
        return reverify_now(&applier, access_of(access.read_only, &config), &path);
    }
    let store = super::settings::open_cache(&path)?;
    let entries = crate::store::AuditLog::open_for(&store)?.entries(plan)?;
    out!(
        "{}",
        crate::report::audit::render_audit(&entries, format, report::DataSource::of(&store)?)?
    );
    Ok(())
}

/// The plan to show: a saved plan re-checked (only its steps whose findings are still
/// open for the same resource run, as they were shown), or one for the finding ids.
fn plan_to_run(
    store: &Store,
    config: &Config,
    saved: Option<&Path>,
    ids: &[i64],
    delete_databases: bool,
) -> Result<Plan, AppError> {
    Ok(match saved {
        Some(file) => crate::remediate::plan::recheck(store, read_plan(file)?)?,
        None if ids.is_empty() => {
            return Err(AppError::NothingToApply(
                "give finding ids (see `costscope findings`) or --plan FILE".into(),
            ))
        }
        None => crate::remediate::plan::plan_findings(
            store,
            ids,
            &plan_options(config, delete_databases),
        )?,
    })
}

/// Whether the flags confirm the plan as the TUI's dialog would: `--yes`, and the typed
/// text when the policy asks for it. Without `--yes` it says what to add.
fn confirmed(
    yes: bool,
    typed: Option<&str>,
    confirmation: Confirmation,
    steps: usize,
) -> Result<bool, AppError> {
    if !yes {
        let add = match &confirmation {
            Confirmation::Type { text, .. } => format!(" --confirm {text:?}"),
            Confirmation::Press => String::new(),
        };
        note!(
            "nothing applied: add --yes{add} to apply these {n0_step}",
            n0_step = crate::domain::words::plural(steps, "step")
        );
        return Ok(false);
    }
    if let Confirmation::Type { text, why } = confirmation {
        if typed.map(str::trim) != Some(text.as_str()) {
            return Err(AppError::ConfirmationNeeded { text, why });
        }
    }
    Ok(true)
}

/// The simulation for a demo cache; otherwise AWS through the apply profile
/// (`--apply-profile`, else `[apply] profile`, else the reading profile).
pub(super) fn applier_for(
    store: &Store,
    aws: &AwsFlags,
    access: &ApplyFlags,
    config: &Config,
) -> Result<crate::jobs::Applier, AppError> {
    use crate::jobs::Applier;
    if store.kind()? == Some(crate::store::CacheKind::Demo) {
        return Ok(Applier::Simulated);
    }
    Ok(Applier::Aws {
        connect: crate::jobs::Connect::Chain {
            profile: access
                .apply_profile
                .clone()
                .or_else(|| config.apply.profile.clone())
                .or_else(|| aws.profile.clone()),
            region: aws.region.clone(),
        },
        role_name: config.scan.role_name.clone(),
    })
}

pub(super) fn read_plan(file: &Path) -> Result<crate::domain::remediation::Plan, AppError> {
    let err = |message: String| AppError::PlanFile {
        path: file.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(file).map_err(|e| err(e.to_string()))?;
    crate::domain::remediation::SavedPlan::open(&text).map_err(err)
}

pub(super) fn write_plan(
    file: &Path,
    plan: &crate::domain::remediation::Plan,
) -> Result<(), AppError> {
    let err = |message: String| AppError::PlanFile {
        path: file.to_path_buf(),
        message,
    };
    let text = crate::domain::remediation::SavedPlan::seal(plan).map_err(err)?;
    std::fs::write(file, text + "\n").map_err(|e| err(e.to_string()))
}

/// `costscope apply --yes`: who applies, then every step with a line of progress.
pub(super) fn apply_now(
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
        note!("applying as {}", acting.caller);
        for (account, who) in acting.differing() {
            match who {
                Ok(arn) => note!("  in {account} as {arn}"),
                Err(e) => note!("  in {account}: cannot act ({e}); its steps will fail"),
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
                    note!(
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
                note!("  [{}/{total}] {}: {phase}", index + 1, steps[index]);
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
                note!(
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
pub(super) fn reverify_now(
    applier: &crate::jobs::Applier,
    access: crate::remediate::Access,
    cache: &Path,
) -> Result<(), AppError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let results = runtime.block_on(applier.reverify(access, cache))?;
    if results.is_empty() {
        outln!("nothing to re-verify: every change in the audit log has a confirmed outcome");
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
        outln!(
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
