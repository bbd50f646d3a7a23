//! What users feel, on a 500-account demo organization (13 months + month to date, daily):
//! demo generation rate, cold start to the first frame, keypress-to-frame time for drill
//! steps, range changes and filter keystrokes, and peak memory while browsing.
//!
//! Run: `cargo bench --bench tui` (add `-- --accounts N --runs R` to change the size, and
//! `--cache PATH` to keep the generated cache there and browse it again next time).
//! Browsing is measured in fresh child processes, so their peak memory excludes the
//! generator. Frames are drawn into ratatui's TestBackend: the time is update + cache
//! queries + layout + diff, everything but the terminal's own write.

mod common;

use common::{arg, today};

use costscope::config::{Config, Keymap, Theme};
use costscope::demo::{self, DemoParams};
use costscope::domain::{Metric, Month};
use costscope::store::{Scope, Store};
use costscope::tui::{App, State};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

fn main() {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    if let Some(path) = arg(&args, "--browse-child") {
        browse_child(Path::new(&path), started);
        return;
    }
    if let Some(path) = arg(&args, "--findings-child") {
        findings_child(Path::new(&path));
        return;
    }
    let accounts: usize = arg(&args, "--accounts")
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let runs: usize = arg(&args, "--runs")
        .and_then(|a| a.parse().ok())
        .unwrap_or(7);
    let dir = tempfile::tempdir().expect("temp dir");
    let params = DemoParams {
        seed: demo::DEFAULT_SEED,
        accounts,
        today: today(),
    };

    println!(
        "costscope TUI benchmark: {accounts} accounts, seed {}, today {}",
        params.seed, params.today
    );
    let mut rates = Vec::new();
    let mut rows = 0;
    let mut path = PathBuf::new();
    // `--cache PATH` browses that cache, generated once if it is missing (to profile a
    // 5,000-account organization without generating it on every run).
    let reused = arg(&args, "--cache").map(PathBuf::from);
    let generations = match &reused {
        Some(cache) if cache.exists() => 0,
        Some(_) => 1,
        None => 3,
    };
    for i in 0..generations {
        path = reused
            .clone()
            .unwrap_or_else(|| dir.path().join(format!("demo-{i}.sqlite")));
        let (_, stats) = demo::prepare_cache(&path, params, |_, _| {}).expect("demo generation");
        let stats = stats.expect("a fresh file is generated");
        rows = stats.rows;
        rates.push(stats.rows_per_second());
        println!(
            "  generation run {}: {} rows in {:.2}s",
            i + 1,
            stats.rows,
            stats.elapsed.as_secs_f64()
        );
        if i + 1 < generations {
            remove_cache(&path);
        }
    }
    if let Some(cache) = &reused {
        path = cache.clone();
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let services = Store::open(&path)
        .and_then(|s| s.services())
        .map(|s| s.len())
        .unwrap_or(0);

    let (naive, rollup) = month_total_costs(&path);

    // The findings list on its own: 5,000 findings over the same organization.
    if generations > 0 {
        write_findings(&path, FINDINGS);
    }
    let mut samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut peak_kib = Vec::new();
    let children = std::iter::repeat_n("--browse-child", runs)
        .chain(std::iter::repeat_n("--findings-child", runs));
    for child in children {
        let out = Command::new(std::env::current_exe().expect("own path"))
            .arg(child)
            .arg(&path)
            .output()
            .expect("child runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some("sample"), Some(name), Some(ms)) => samples
                    .entry(name.to_string())
                    .or_default()
                    .push(ms.parse().unwrap_or(f64::NAN)),
                (Some("peak_kib"), Some(kib), None) => {
                    peak_kib.push(kib.parse::<f64>().unwrap_or(f64::NAN))
                }
                _ => {}
            }
        }
    }

    println!();
    println!("| what | median | p99 | samples |");
    println!("|---|---|---|---|");
    if generations > 0 {
        println!("| demo generation | {:.0} rows/s | min {:.0} rows/s | {generations} runs of {rows} rows, {services} services, {:.0} MB file |", median(&mut rates), rates.iter().cloned().fold(f64::INFINITY, f64::min), size as f64 / 1e6);
    } else {
        println!(
            "| cache reused | | | {services} services, {:.0} MB file |",
            size as f64 / 1e6
        );
    }
    for (name, values) in &mut samples {
        let n = values.len();
        let unit = "ms";
        println!(
            "| {name} | {:.2} {unit} | {:.2} {unit} | {n} |",
            median(values),
            percentile(values, 0.99)
        );
    }
    println!(
        "| peak resident memory while browsing | {:.1} MB | max {:.1} MB | {} processes |",
        median(&mut peak_kib) / 1024.0,
        peak_kib.iter().cloned().fold(0.0, f64::max) / 1024.0,
        peak_kib.len()
    );
    println!(
        "| one month org-wide, summed from raw daily rows | {:.1} ms | | 5 |",
        naive.as_secs_f64() * 1e3
    );
    println!(
        "| one month org-wide, from rollups (what views do) | {:.2} ms | | 5 |",
        rollup.as_secs_f64() * 1e3
    );
    println!(
        "| ratio raw / rollup | {:.0}x | | |",
        naive.as_secs_f64() / rollup.as_secs_f64().max(1e-9)
    );
}

fn remove_cache(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The month-total query views would make without rollups, against the one they make.
fn month_total_costs(path: &Path) -> (Duration, Duration) {
    let store = Store::open(path).expect("open");
    let month = Month::of(today()).offset(-1);
    let time = |f: &dyn Fn()| {
        let mut t: Vec<f64> = (0..5)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed().as_secs_f64()
            })
            .collect();
        Duration::from_secs_f64(median(&mut t))
    };
    let naive = time(&|| {
        store
            .raw_month_total(month, Metric::Unblended)
            .expect("query");
    });
    let rollup = time(&|| {
        store
            .totals(Scope::Accounts, month.range(), Metric::Unblended)
            .expect("query");
    });
    (naive, rollup)
}

fn median(values: &mut [f64]) -> f64 {
    percentile(values, 0.5)
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let rank = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[rank.min(values.len() - 1)]
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// The app on a cache, drawn into a test terminal, each key timed to its frame.
struct Browser {
    app: App,
    terminal: Terminal<TestBackend>,
}

impl Browser {
    fn open(path: &Path) -> Browser {
        let keymap = Keymap::defaults(&costscope::tui::action::bindable_names()).expect("keymap");
        let state = State::new(&Config::default(), Theme::default_theme(), keymap, today());
        let store = Store::open(path).expect("open cache");
        let mut app = App::new(store, state, None).expect("app");
        app.dispatch(costscope::tui::Action::Resize(WIDTH, HEIGHT));
        let terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
        Browser { app, terminal }
    }

    /// Presses `code` and prints how long until its frame was drawn, as sample `name`.
    fn press(&mut self, name: &str, code: KeyCode) {
        let t = Instant::now();
        if let Some(action) = self.app.action_for_key(key(code)) {
            self.app.dispatch(action);
        }
        self.app.render_to(&mut self.terminal).expect("draw");
        println!("sample {name} {}", t.elapsed().as_secs_f64() * 1e3);
    }
}

/// One browsing session: cold start, then scripted keys, each timed to its frame.
fn browse_child(path: &Path, started: Instant) {
    let mut b = Browser::open(path);
    b.app.render_to(&mut b.terminal).expect("draw");
    println!(
        "sample cold_start_to_first_frame {}",
        started.elapsed().as_secs_f64() * 1e3
    );

    use KeyCode::{Backspace, Char, Enter, Esc};
    for range in ['1', '3', '4', '5'] {
        b.press("range_change", Char(range));
        // Accounts -> account -> service's usage types -> its resources -> back, and
        // services -> service -> account's usage types -> resources -> back.
        for (root, _) in [('a', "accounts"), ('s', "services")] {
            b.press("drill_open_list", Char(root));
            b.press("drill_down", Char('j'));
            b.press("drill_down", Enter);
            b.press("drill_detail", Enter);
            b.press("drill_detail", Enter);
            b.press("drill_back", Esc);
            b.press("drill_back", Esc);
            b.press("drill_back", Esc);
        }
        // One account by region (b), and the organization by region and by tag.
        b.press("drill_open_list", Char('a'));
        b.press("drill_down", Enter);
        b.press("drill_detail", Char('b'));
        for command in ["regions", "tags"] {
            b.press("command_keystroke", Char(':'));
            for c in command.chars() {
                b.press("command_keystroke", Char(c));
            }
            b.press("detail_org_view", Enter);
        }
        b.press("drill_open_list", Char('o'));
    }
    for _ in 0..3 {
        for k in ['[', '[', ']', '2', '1'] {
            b.press("range_change", Char(k));
        }
        b.press("granularity_or_metric", Char('d'));
        b.press("granularity_or_metric", Char('m'));
        b.press("granularity_or_metric", Char('d'));
        b.press("granularity_or_metric", Char('m'));
    }
    b.press("drill_open_list", Char('a'));
    for _ in 0..3 {
        b.press("filter_keystroke", Char('/'));
        for c in "payments-prod".chars() {
            b.press("filter_keystroke", Char(c));
        }
        for _ in 0..5 {
            b.press("filter_keystroke", Backspace);
        }
        b.press("filter_keystroke", Esc);
    }
    println!("peak_kib {}", peak_resident_kib());
}

/// Findings written for the findings-list steps.
const FINDINGS: usize = 5_000;

/// `count` open findings (idle instances) spread over the organization's accounts and
/// four regions, written through the scan's own store call, one unit per account-region.
fn write_findings(path: &Path, count: usize) {
    use costscope::domain::findings::{Evidence, Finding, Rule, Saving};
    let mut store = Store::open(path).expect("open");
    let (org, _) = store.organization().expect("organization");
    let regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];
    let units = org.accounts.len() * regions.len();
    let mut by_unit: BTreeMap<(usize, usize), Vec<Finding>> = BTreeMap::new();
    for i in 0..count {
        let unit = i % units;
        let (account, region) = (unit / regions.len(), unit % regions.len());
        by_unit.entry((account, region)).or_default().push(Finding {
            rule: Rule::IdleEc2,
            account: org.accounts[account].id.clone(),
            region: regions[region].to_string(),
            resource: format!("i-{i:017x}"),
            label: format!("worker-{i}"),
            action: "stop the instance".into(),
            saving: Saving::Monthly {
                amount: costscope::domain::Money::from_dollars(((i * 37) % 900) as i64 + 5),
                basis: "on-demand price".into(),
            },
            evidence: Evidence {
                summary: format!("CPU max {}% over 14 days", i % 5),
                ..Evidence::default()
            },
        });
    }
    for ((account, region), findings) in by_unit {
        store
            .write_scanned_unit(
                &org.accounts[account].id,
                regions[region],
                &[],
                &findings,
                &[],
                costscope::domain::Stamp::parse("2026-11-20T07:00:00.000Z").expect("a stamp"),
            )
            .expect("findings written");
    }
}

/// The findings list: open it, move, sort, filter and mark, each key timed to its frame.
fn findings_child(path: &Path) {
    let mut b = Browser::open(path);
    use KeyCode::{Backspace, Char, Esc};
    b.press("findings_open", Char('f'));
    for _ in 0..3 {
        for _ in 0..10 {
            b.press("findings_cursor", Char('j'));
        }
        b.press("findings_mark", Char(' '));
        // Through every column: the account column sorts by account name.
        for _ in 0..6 {
            b.press("findings_sort", Char('>'));
        }
        b.press("findings_filter_keystroke", Char('/'));
        for c in "worker-1".chars() {
            b.press("findings_filter_keystroke", Char(c));
        }
        for _ in 0..4 {
            b.press("findings_filter_keystroke", Backspace);
        }
        b.press("findings_filter_keystroke", Esc);
        b.press("findings_open", Char('o'));
        b.press("findings_open", Char('f'));
    }
}

/// VmHWM: the most resident memory this process has had.
fn peak_resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
