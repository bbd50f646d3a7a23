//! Starting a sync from the TUI: it runs on its own thread with its own connection to
//! the cache (SQLite in WAL mode lets the views keep reading), and reports back to the
//! app loop with actions.

use super::action::{Action, SyncOutcome};
use super::app::Message;
use crate::aws::CostClients;
use crate::store::Store;
use crate::sync::{self, SyncError, SyncOptions};
use std::path::PathBuf;
use tokio::sync::mpsc::UnboundedSender;

/// Sends a background job's actions to the app loop.
#[derive(Debug, Clone)]
pub struct Reporter(pub(super) UnboundedSender<Message>);

impl Reporter {
    /// A closed loop (the app quit) just drops the action.
    pub fn send(&self, action: Action) {
        let _ = self.0.send(Message::Action(action));
    }
}

/// Something that can run a sync in the background and report through a `Reporter`.
pub trait SyncLauncher: Send {
    fn start(&self, reporter: Reporter);
}

pub use crate::aws::Connect;

/// The real sync: AWS into the cache file the TUI has open.
#[derive(Debug, Clone)]
pub struct AwsSync {
    pub cache: PathBuf,
    pub connect: Connect,
    /// Settings for every run; `now` is set when a run starts.
    pub options: SyncOptions,
}

impl SyncLauncher for AwsSync {
    fn start(&self, reporter: Reporter) {
        let job = self.clone();
        std::thread::spawn(move || {
            let outcome = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(job.run(&reporter)),
                Err(e) => SyncOutcome::Failed {
                    message: e.to_string(),
                    offline: false,
                },
            };
            reporter.send(Action::SyncFinished(outcome));
        });
    }
}

impl AwsSync {
    async fn run(self, reporter: &Reporter) -> SyncOutcome {
        let mut options = self.options;
        options.now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let result: Result<sync::SyncReport, SyncError> = async {
            let clients = CostClients::new(&self.connect.config().await?);
            let identified = sync::identify(&clients, &options.now).await?;
            let mut store = Store::open(&self.cache)?;
            let mut progress =
                |event: &sync::SyncEvent| reporter.send(Action::SyncProgress(event.clone()));
            sync::run(&mut store, &clients, &identified, &options, &mut progress).await
        }
        .await;
        match result {
            Ok(report) => SyncOutcome::Done {
                months: report.months_written.len(),
                rows: report.rows,
                requests: report.ce_requests,
                failures: report.failures.len(),
            },
            Err(e) => SyncOutcome::Failed {
                offline: e.is_offline(),
                message: e.to_string(),
            },
        }
    }
}
