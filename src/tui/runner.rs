//! The app's one background runtime. Every job the app starts (sync, scan, apply,
//! re-verify) is a task on a single tokio runtime on its own thread, so the loop never
//! waits on the network. Jobs report progress with a `Reporter`; the action each one
//! ends with goes back to the loop the same way.

use super::action::Action;
use std::future::Future;
use std::pin::Pin;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// What arrives at the app loop: terminal input, or an action from a job.
pub enum Message {
    Terminal(crossterm::event::Event),
    Action(Action),
}

/// Sends a background job's actions to the app loop.
#[derive(Debug, Clone)]
pub struct Reporter(pub(super) UnboundedSender<Message>);

impl Reporter {
    /// A closed loop (the app quit) just drops the action.
    pub fn send(&self, action: Action) {
        let _ = self.0.send(Message::Action(action));
    }
}

/// A job's work, made on the runner's thread: the future may hold what is not `Send`
/// (a cache connection, a progress callback) across its awaits.
pub type BackgroundJob = Box<dyn FnOnce(Reporter) -> LocalFuture + Send>;
pub type LocalFuture = Pin<Box<dyn Future<Output = Action>>>;

/// Boxes a job that ends with an action.
pub fn job<F, Fut>(work: F) -> BackgroundJob
where
    F: FnOnce(Reporter) -> Fut + Send + 'static,
    Fut: Future<Output = Action> + 'static,
{
    Box::new(move |reporter| Box::pin(work(reporter)))
}

/// The runtime's thread and the queue of jobs it takes.
pub struct Runner {
    jobs: UnboundedSender<BackgroundJob>,
}

impl Runner {
    /// Starts the runtime thread; each job's final action goes to `reporter`.
    pub fn start(reporter: Reporter) -> Runner {
        let (jobs, queue) = unbounded_channel();
        std::thread::spawn(move || run(queue, reporter));
        Runner { jobs }
    }

    pub fn spawn(&self, job: BackgroundJob) {
        // The thread only ends when the app drops the runner.
        let _ = self.jobs.send(job);
    }
}

fn run(mut queue: UnboundedReceiver<BackgroundJob>, reporter: Reporter) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            reporter.send(Action::Failed(format!("cannot start background jobs: {e}")));
            return;
        }
    };
    let tasks = tokio::task::LocalSet::new();
    tasks.block_on(&runtime, async move {
        while let Some(job) = queue.recv().await {
            let reporter = reporter.clone();
            tokio::task::spawn_local(async move {
                let action = job(reporter.clone()).await;
                reporter.send(action);
            });
        }
    });
}
