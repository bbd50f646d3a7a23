//! Shared fixtures: a demo cache generated once per test binary, fixed "today".
#![allow(dead_code)]

pub mod fakes;
pub mod fixtures;
pub mod moto;
pub mod parquet;

use chrono::NaiveDate;
use costscope::demo::{self, DemoParams};
use costscope::store::Store;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A current-thread runtime for the async parts of a test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A stamp from its text form (any RFC 3339).
#[allow(dead_code)]
pub fn stamp(text: &str) -> costscope::domain::Stamp {
    costscope::domain::Stamp::parse(text).unwrap()
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// A new cache in `dir` holding one cost file (FOCUS or CUR), imported as
/// `costscope import` does, on `today()`.
pub fn imported_cache(dir: &std::path::Path, file: &std::path::Path) -> Store {
    let mut store = Store::open(&dir.join("cache.sqlite")).unwrap();
    let from = costscope::domain::detail::resource_days_from(today());
    let read = costscope::import::read_file(file, Some(from)).unwrap();
    read.check(false).unwrap();
    costscope::import::write_file(
        &mut store,
        &read,
        today(),
        stamp("2026-11-20T06:00:00Z"),
        false,
    )
    .unwrap();
    store
}

pub fn params(accounts: usize) -> DemoParams {
    DemoParams {
        seed: demo::DEFAULT_SEED,
        accounts,
        today: today(),
    }
}

/// A demo cache with the default parameters, generated once per test binary and then
/// only read.
pub fn demo_cache(binary: &str) -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{binary}-demo.sqlite"));
        // A fresh file every run (and a fresh audit log beside it): the target
        // directory may outlive a schema change.
        let audit = costscope::store::AuditLog::path_for(&path);
        for file in [&path, &audit] {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        demo::prepare_cache(&path, params(demo::DEFAULT_ACCOUNTS), |_, _| {}).unwrap();
        path
    })
    .clone()
}

pub fn open_demo(binary: &str) -> Store {
    Store::open(&demo_cache(binary)).unwrap()
}

/// The app on `store`, as costscope starts it (default config, keymap and theme),
/// without a terminal.
pub fn app_on(store: Store) -> costscope::tui::App {
    use costscope::config::{Config, Keymap, Theme};
    let keymap = Keymap::defaults(&costscope::tui::action::bindable_names()).unwrap();
    let state =
        costscope::tui::State::new(&Config::default(), Theme::default_theme(), keymap, today());
    costscope::tui::App::new(store, state, None).unwrap()
}

/// The app on the demo cache, as `costscope demo` starts it.
pub fn demo_app(binary: &str) -> costscope::tui::App {
    let mut app = app_on(open_demo(binary));
    app.state.cache_label = "demo.sqlite".to_string();
    app
}

/// The rows the top view shows, as selected and sorted.
pub fn rows(app: &costscope::tui::App) -> Vec<costscope::tui::model::TableRow> {
    costscope::tui::selectors::rows(&app.state).to_vec()
}

/// Moves the cursor to the row named `name` and presses Enter.
pub fn enter_on(app: &mut costscope::tui::App, name: &str) {
    use costscope::tui::action::Action;
    let at = rows(app)
        .iter()
        .position(|r| r.name == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", rows(app)));
    app.dispatch(Action::Top);
    for _ in 0..at {
        app.dispatch(Action::Down);
    }
    app.dispatch(Action::Enter);
}

/// What `app` draws on a `width` x `height` screen, as one string.
pub fn screen_text(app: &costscope::tui::App, width: u16, height: u16) -> String {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    app.render_to(&mut terminal).unwrap();
    terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect()
}

/// What `app` draws, line by line, as snapshots store it.
pub fn screen_text_lines(app: &costscope::tui::App, width: u16, height: u16) -> String {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    app.render_to(&mut terminal).unwrap();
    terminal.backend().to_string()
}

/// Every `.rs` file under `dir`, for the tests that read the source tree.
pub fn rust_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
