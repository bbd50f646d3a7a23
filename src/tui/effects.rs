//! Running the effects `update` asks for: reads of the cache, the background jobs, and
//! the writes a keypress confirmed. Each returns the actions that carry what it learnt
//! back to `update`, which alone changes the state.

use super::action::{Action, Effect, ScanOutcome, SyncOutcome};
use super::app::App;
use super::jobs::JobLauncher;
use super::load::{load, load_finding_index};
use super::model::ViewData;
use super::runner::job;
use super::state::{CacheFacts, Catalog, Severity};
use crate::config::Theme;
use crate::domain::Stamp;
use crate::store::StoreResult;

type Follow = Result<Vec<Action>, String>;

impl App {
    pub(super) fn run_effect(&mut self, effect: Effect) -> Follow {
        match effect {
            Effect::Load => self.load_view(),
            Effect::Reload => self.reload().map(|mut actions| {
                actions.push(Action::Notice(
                    Severity::Info,
                    "reloaded from the cache".into(),
                ));
                actions
            }),
            Effect::ReloadData => self.reload(),
            Effect::StartSync => Ok(self.start_sync()),
            Effect::StartScan => Ok(self.start_scan()),
            Effect::LoadTheme(name) => {
                Ok(vec![match Theme::load(&name, self.themes_dir.as_deref()) {
                    Ok(theme) => Action::ThemeLoaded(Box::new(theme)),
                    Err(e) => Action::Failed(e.to_string()),
                }])
            }
            Effect::ListThemes => Ok(vec![Action::Notice(
                Severity::Info,
                format!(
                    "themes: {} (:theme NAME switches; files go in the config's themes/ directory)",
                    Theme::available(self.themes_dir.as_deref()).join(", ")
                ),
            )]),
            Effect::DismissFinding { id, reason } => {
                self.store
                    .dismiss_finding(id, &reason, Stamp::now())
                    .map_err(|e| e.to_string())?;
                self.reloaded_with(format!("finding {id} dismissed: {reason}"))
            }
            Effect::RestoreFinding(id) => {
                self.store.restore_finding(id).map_err(|e| e.to_string())?;
                self.reloaded_with(format!("finding {id} restored"))
            }
            Effect::BuildPlan {
                ids,
                delete_databases,
            } => self.build_plan(&ids, delete_databases),
            Effect::ResolveApplyIdentity { accounts } => {
                self.resolve_identity(accounts);
                Ok(vec![])
            }
            Effect::ApplyPlan { plan, identity } => Ok(self.apply_plan(*plan, identity)),
            Effect::Reverify => {
                self.reverify();
                Ok(vec![])
            }
            Effect::StopApply => {
                if let Some(stop) = &self.apply_stop {
                    stop.request("the operator quit");
                }
                Ok(vec![])
            }
            Effect::Quit => Ok(vec![]),
        }
    }

    /// Re-reads the cache's facts, then the view.
    pub(super) fn reload(&mut self) -> Follow {
        let facts = self.cache_facts().map_err(|e| e.to_string())?;
        // The view is read against the new facts (an empty cache shows its own page).
        super::update::update(&mut self.state, Action::CacheRead(Box::new(facts)));
        self.load_view()
    }

    fn reloaded_with(&mut self, notice: String) -> Follow {
        let mut actions = self.reload()?;
        actions.push(Action::Notice(Severity::Info, notice));
        Ok(actions)
    }

    pub(super) fn cache_facts(&self) -> StoreResult<CacheFacts> {
        let store = &self.store;
        let this_month = crate::domain::Month::of(self.state.today).to_string();
        let (org, keys) = store.organization()?;
        Ok(CacheFacts {
            summary: store.summary()?,
            last_sync_requests: store
                .meta("last_sync_ce_requests")?
                .and_then(|n| n.parse().ok()),
            last_sync_pages: store
                .meta("last_sync_pages_per_month")?
                .as_deref()
                .and_then(crate::domain::sync_plan::PagesPerMonth::parse),
            ce_requests_this_month: store.ce_requests_in_month(&this_month)?,
            last_scan_metrics: match store.stamp_meta("last_scan_at")? {
                Some(at) => Some(store.api_use_since("cloudwatch", &at.to_string())?.metrics),
                None => None,
            },
            catalog: Catalog::new(org, keys, store.services()?)
                .with_providers(store.account_providers()?),
            finding_index: load_finding_index(store)?,
        })
    }

    /// Reads the top view's data. On failure the view shows why instead of the data of
    /// the view before, and the message line says so.
    pub(super) fn load_view(&mut self) -> Follow {
        Ok(match self.read_view() {
            Ok(data) => vec![Action::Loaded(Box::new(data))],
            Err(e) => {
                tracing::warn!(error = %e, "loading a view failed");
                vec![
                    Action::Loaded(Box::new(ViewData::Unavailable(e.to_string()))),
                    Action::Failed(e.to_string()),
                ]
            }
        })
    }

    /// The top view's data from the cache (an empty cache has its own page).
    pub(super) fn read_view(&self) -> StoreResult<ViewData> {
        if self.state.summary.months.is_empty() && self.state.top().kind.shows_costs() {
            return Ok(ViewData::Empty);
        }
        load(&self.store, &self.state)
    }

    fn start_sync(&mut self) -> Vec<Action> {
        self.start_job(
            |jobs| jobs.sync(),
            || {
                Action::SyncFinished(SyncOutcome::Failed {
                    message: "syncing is not available here".into(),
                    offline: false,
                })
            },
        )
    }

    fn start_scan(&mut self) -> Vec<Action> {
        self.start_job(
            |jobs| jobs.scan(),
            || {
                Action::ScanFinished(ScanOutcome::Failed {
                    message: "scanning is not available here".into(),
                    offline: false,
                })
            },
        )
    }

    /// Starts a background job of the launcher, or ends it at once without one.
    fn start_job(
        &mut self,
        which: fn(&dyn JobLauncher) -> super::runner::BackgroundJob,
        unavailable: impl FnOnce() -> Action,
    ) -> Vec<Action> {
        match &self.jobs {
            Some(jobs) => {
                self.runner.spawn(which(jobs.as_ref()));
                vec![]
            }
            None => vec![unavailable()],
        }
    }

    fn build_plan(&mut self, ids: &[i64], delete_databases: bool) -> Follow {
        let Some(launcher) = &self.applier else {
            return Ok(vec![Action::Failed(
                "applying is not available here".into(),
            )]);
        };
        let mut options = launcher.plan_options.clone();
        options.delete_databases = delete_databases;
        options.stamp = chrono::Utc::now().format("%Y%m%d-%H%M").to_string();
        let plan = crate::remediate::plan::plan_findings(&self.store, ids, &options)
            .map_err(|e| e.to_string())?;
        Ok(vec![Action::PlanReady(Box::new(plan))])
    }

    fn resolve_identity(&mut self, accounts: Vec<String>) {
        if let Some(l) = self.applier.clone() {
            self.runner.spawn(job(move |_| async move {
                Action::ApplyIdentity(
                    l.applier
                        .acting(l.access, &accounts)
                        .await
                        .map_err(|e| e.to_string()),
                )
            }));
        }
    }

    fn apply_plan(
        &mut self,
        plan: crate::domain::remediation::Plan,
        identity: String,
    ) -> Vec<Action> {
        let Some(l) = self.applier.clone() else {
            return vec![Action::ApplyFinished(Err(
                "applying is not available here".into()
            ))];
        };
        let stop = std::sync::Arc::new(crate::remediate::StopRequest::default());
        self.apply_stop = Some(stop.clone());
        self.runner.spawn(job(move |reporter| async move {
            let job = crate::jobs::Job {
                cache: l.cache.clone(),
                plan,
                identity,
                stop_on_error: l.stop_on_error,
                stop,
            };
            let mut progress = |event| reporter.send(Action::ApplyProgress(event));
            Action::ApplyFinished(
                l.applier
                    .run(l.access, &job, &mut progress)
                    .await
                    .map_err(|e| e.to_string()),
            )
        }));
        vec![]
    }

    fn reverify(&mut self) {
        if let Some(l) = self.applier.clone() {
            self.runner.spawn(job(move |_| async move {
                Action::Reverified(
                    l.applier
                        .reverify(l.access, &l.cache)
                        .await
                        .map(|results| {
                            results
                                .into_iter()
                                .map(|(e, outcome)| (e.resource, outcome.label().to_string()))
                                .collect()
                        })
                        .map_err(|e| e.to_string()),
                )
            }));
        }
    }
}
