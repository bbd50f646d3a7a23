//! The runtime around `update`: runs effects against the cache, maps keys to actions,
//! and drives a real terminal.

use super::action::{bindable, Action};
use super::jobs::JobLauncher;
use super::runner::{Message, Reporter, Runner};
use super::state::{Mode, Severity, State};
use super::update::update;
use super::view::render;
use crate::config::keymap::Key;
use crate::config::KeyChord;
use crate::store::{Store, StoreResult};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::{backend::Backend, Terminal};
use std::path::PathBuf;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

pub use super::jobs::ApplyLauncher;

pub struct App {
    pub state: State,
    pub(super) store: Store,
    pub(super) themes_dir: Option<PathBuf>,
    pub(super) jobs: Option<Box<dyn JobLauncher>>,
    /// Every background job runs on this one runtime.
    pub(super) runner: Runner,
    pub(super) applier: Option<ApplyLauncher>,
    /// Stops the running plan after its step in flight.
    pub(super) apply_stop: Option<std::sync::Arc<crate::remediate::StopRequest>>,
    /// The audit log had steps pending when the app started.
    pending_at_start: bool,
    sender: UnboundedSender<Message>,
    inbox: UnboundedReceiver<Message>,
}

impl App {
    pub fn new(store: Store, state: State, themes_dir: Option<PathBuf>) -> StoreResult<App> {
        let (sender, inbox) = tokio::sync::mpsc::unbounded_channel();
        let mut app = App {
            state,
            store,
            themes_dir,
            jobs: None,
            runner: Runner::start(Reporter(sender.clone())),
            applier: None,
            apply_stop: None,
            pending_at_start: false,
            sender,
            inbox,
        };
        let label = display_path(app.store.path());
        update(&mut app.state, Action::CacheOpened(label));
        let facts = app.cache_facts()?;
        update(&mut app.state, Action::CacheRead(Box::new(facts)));
        let data = app.read_view()?;
        update(&mut app.state, Action::Loaded(Box::new(data)));
        // An audit log that cannot be read does not keep anyone from the costs; it is
        // said, and applying (which needs it) will fail with the same reason.
        let notice = match crate::remediate::pending_warning(&app.store) {
            Ok(None) => None,
            Ok(Some(warning)) => {
                app.pending_at_start = true;
                Some((Severity::Warning, format!("{warning} (L: audit log)")))
            }
            Err(e) => Some((Severity::Error, format!("the audit log: {e}"))),
        };
        if let Some((severity, text)) = notice {
            update(&mut app.state, Action::Notice(severity, text));
        }
        Ok(app)
    }

    /// Lets `r` start a background sync, and `S` a scan, with this launcher.
    pub fn with_jobs(mut self, jobs: Box<dyn JobLauncher>) -> App {
        let (accounts, regions) = jobs.scan_limits();
        let export = jobs.sync_export();
        self.jobs = Some(jobs);
        update(
            &mut self.state,
            Action::JobsReady {
                accounts,
                regions,
                export,
            },
        );
        self
    }

    /// Lets `p` plan and apply with this launcher (AWS, or the demo's simulation).
    pub fn with_applier(mut self, launcher: ApplyLauncher) -> App {
        let ready = Action::ApplierReady {
            read_only: launcher.access == crate::remediate::Access::ReadOnly,
            simulated: launcher.applier.is_simulated(),
            policy: launcher.policy.clone(),
        };
        self.applier = Some(launcher);
        update(&mut self.state, ready);
        // Steps left pending by an earlier run are re-read at once, in the background.
        if self.pending_at_start && !self.state.apply.read_only {
            self.dispatch(Action::RunCommand("reverify".into()));
        }
        self
    }

    /// Applies one action and runs the effects it asks for, feeding what each effect
    /// learns back through `update`. Cache errors are shown in the message line; the
    /// app keeps running on what it has.
    pub fn dispatch(&mut self, action: Action) {
        let mut queue = update(&mut self.state, action);
        while let Some(effect) = queue.pop() {
            let follow_ups = self
                .run_effect(effect)
                .unwrap_or_else(|e| vec![Action::Failed(e)]);
            for next in follow_ups {
                queue.extend(update(&mut self.state, next));
            }
        }
    }

    /// Maps a key to an action: text input while the filter or command line is open,
    /// otherwise through the keymap.
    pub fn action_for_key(&self, key: KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        if matches!(self.state.mode, Mode::ConfirmApply(_)) {
            return confirm_key(key);
        }
        let chord = chord_of(key)?;
        if chord == crate::config::keymap::CTRL_C {
            return Some(Action::Interrupt);
        }
        if matches!(
            self.state.mode,
            Mode::Filter | Mode::Command(_) | Mode::Dismiss { .. }
        ) {
            return match key.code {
                KeyCode::Enter => Some(Action::InputSubmit),
                KeyCode::Esc => Some(Action::InputCancel),
                KeyCode::Backspace => Some(Action::InputBackspace),
                KeyCode::Tab if matches!(self.state.mode, Mode::Command(_)) => {
                    Some(Action::InputComplete)
                }
                KeyCode::Char(c) => Some(Action::InputChar(c)),
                _ => None,
            };
        }
        self.state.keymap.action_for(&chord).and_then(bindable)
    }

    /// Draws the current state on any backend (a real terminal, or a test buffer).
    pub fn render_to<B: Backend>(&self, terminal: &mut Terminal<B>) -> Result<(), B::Error> {
        terminal.draw(|frame| render(frame, &self.state))?;
        Ok(())
    }

    /// The interactive loop: wait for input, apply every queued event, draw once.
    pub fn run(&mut self, terminal: &mut ratatui::DefaultTerminal) -> std::io::Result<()> {
        let size = terminal.size()?;
        self.dispatch(Action::Resize(size.width, size.height));
        self.render_to(terminal)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .enable_io()
            .build()?;
        let tx = self.sender.clone();
        // Terminal input blocks, so it gets its own thread; the app only awaits messages.
        std::thread::spawn(move || {
            while let Ok(event) = crossterm::event::read() {
                if tx.send(Message::Terminal(event)).is_err() {
                    break;
                }
            }
        });
        runtime.block_on(async {
            // A closed terminal (SIGHUP) or a kill (SIGTERM) ends the loop like `q`, so the
            // caller restores the terminal; a plan that is running first finishes the
            // step in flight and writes its outcome.
            let mut hangup = signal(SignalKind::hangup())?;
            let mut terminate = signal(SignalKind::terminate())?;
            let mut signalled = false;
            loop {
                let event = tokio::select! {
                    event = self.inbox.recv() => match event {
                        Some(event) => Some(event),
                        None => break,
                    },
                    _ = hangup.recv() => None,
                    _ = terminate.recv() => None,
                };
                let mut dirty = match event {
                    Some(event) => self.handle_message(event),
                    None => {
                        signalled = true;
                        self.dispatch(Action::QuitNow);
                        true
                    }
                };
                while let Ok(more) = self.inbox.try_recv() {
                    dirty |= self.handle_message(more);
                }
                if self.state.should_quit && !self.state.apply_running() {
                    break;
                }
                // After SIGHUP the terminal is gone: nothing more is drawn.
                if dirty && !signalled {
                    self.render_to(terminal)?;
                }
            }
            Ok(())
        })
    }

    /// Returns whether the screen needs redrawing.
    fn handle_message(&mut self, message: Message) -> bool {
        match message {
            Message::Terminal(event) => self.handle_event(event),
            Message::Action(action) => {
                self.dispatch(action);
                true
            }
        }
    }

    /// Applies what background jobs have sent until a sync ends (or `timeout`), for
    /// headless use without a terminal. Returns whether the sync ended in time.
    pub fn wait_for_sync(&mut self, timeout: std::time::Duration) -> bool {
        self.wait_until(timeout, |state| state.sync.running.is_none())
    }

    /// Applies what background jobs send until `done(state)` holds (or `timeout`).
    pub fn wait_until(
        &mut self,
        timeout: std::time::Duration,
        done: impl Fn(&State) -> bool,
    ) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while !done(&self.state) {
            match self.inbox.try_recv() {
                Ok(message) => {
                    self.handle_message(message);
                }
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => {
                    if std::time::Instant::now() >= deadline {
                        return false;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => return false,
            }
        }
        true
    }

    fn handle_event(&mut self, event: Event) -> bool {
        match event {
            Event::Key(key) => match self.action_for_key(key) {
                Some(action) => {
                    self.dispatch(action);
                    true
                }
                None => false,
            },
            Event::Resize(w, h) => {
                self.dispatch(Action::Resize(w, h));
                true
            }
            _ => false,
        }
    }
}

/// Keys in the confirm dialog: not through the keymap, so no binding can turn a key
/// into a confirmation. Letters type; Enter activates the focused button.
fn confirm_key(key: KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Esc => Action::InputCancel,
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Action::InputCancel,
        KeyCode::Enter => Action::InputSubmit,
        KeyCode::Tab | KeyCode::BackTab => Action::NextView,
        KeyCode::Left => Action::FocusLeft,
        KeyCode::Right => Action::FocusRight,
        KeyCode::Up => Action::Up,
        KeyCode::Down => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Backspace => Action::InputBackspace,
        KeyCode::Char(c) => Action::InputChar(c),
        _ => return None,
    })
}

pub fn chord_of(key: KeyEvent) -> Option<KeyChord> {
    let k = match key.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::F(n) => Key::F(n),
        _ => return None,
    };
    Some(KeyChord {
        key: k,
        ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
        alt: key.modifiers.contains(KeyModifiers::ALT),
    })
}

/// The cache path with the home directory shown as `~`.
fn display_path(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && text.starts_with(&home) => {
            format!("~{}", &text[home.len()..])
        }
        _ => text,
    }
}
