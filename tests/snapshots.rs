//! Every view rendered at a fixed size from the fixed demo (seed 42, today 2026-11-20).

mod common;

use costscope::domain::RangePreset;
use costscope::tui::action::Action;
use costscope::tui::App;

fn screen(app: &App, width: u16, height: u16) -> String {
    common::screen_text_lines(app, width, height)
}

fn app_after(actions: &[Action]) -> App {
    let mut app = common::demo_app("snapshots");
    app.dispatch(Action::Resize(100, 30));
    for a in actions {
        app.dispatch(a.clone());
    }
    app
}

fn snap(name: &str, actions: &[Action]) {
    let app = app_after(actions);
    insta::assert_snapshot!(name, screen(&app, 100, 30));
}

#[test]
fn overview() {
    snap("overview", &[]);
}

#[test]
fn overview_at_80x24() {
    let app = app_after(&[]);
    insta::assert_snapshot!("overview_80x24", screen(&app, 80, 24));
}

#[test]
fn overview_chart_cursor_at_160x48() {
    // Up from the top list: the chart's cursor on the newest day, then two days back.
    let app = app_after(&[Action::Up, Action::FocusLeft, Action::FocusLeft]);
    insta::assert_snapshot!("overview_chart_cursor_160x48", screen(&app, 160, 48));
}

#[test]
fn overview_last_13_months_monthly() {
    snap(
        "overview_13m_monthly",
        &[
            Action::Range(RangePreset::Last13Months),
            Action::ToggleGranularity,
        ],
    );
}

#[test]
fn overview_last_90_days_line_chart() {
    snap("overview_90d", &[Action::Range(RangePreset::Last90Days)]);
}

#[test]
fn accounts() {
    snap("accounts", &[Action::Accounts]);
}

#[test]
fn accounts_at_80x24() {
    let app = app_after(&[Action::Accounts]);
    insta::assert_snapshot!("accounts_80x24", screen(&app, 80, 24));
}

#[test]
fn accounts_grouped_by_ou() {
    snap(
        "accounts_grouped",
        &[Action::Accounts, Action::ToggleGrouping],
    );
}

#[test]
fn accounts_filtered() {
    let mut actions = vec![Action::Accounts, Action::Filter];
    actions.extend("stag".chars().map(Action::InputChar));
    snap("accounts_filter_typing", &actions);
}

#[test]
fn account_services() {
    snap("account_services", &[Action::Accounts, Action::Enter]);
}

#[test]
fn account_service_daily_series() {
    snap(
        "account_service_series",
        &[
            Action::Accounts,
            Action::Enter,
            Action::Enter,
            Action::BreakDown { forward: false },
        ],
    );
}

#[test]
fn account_service_usage_types_then_resources_with_their_findings() {
    snap(
        "account_service_usage_types",
        &[Action::Accounts, Action::Enter, Action::Enter],
    );
    snap(
        "usage_type_resources",
        &[
            Action::Accounts,
            Action::Enter,
            Action::Enter,
            Action::Enter,
        ],
    );
    snap(
        "resource_days",
        &[
            Action::Accounts,
            Action::Enter,
            Action::Enter,
            Action::Enter,
            Action::Enter,
        ],
    );
}

#[test]
fn tag_values_with_the_untagged_rest() {
    snap(
        "tag_values",
        &[
            Action::RunCommand("tags".into()),
            Action::Bottom,
            Action::Enter,
        ],
    );
}

#[test]
fn services() {
    snap("services", &[Action::Services]);
}

#[test]
fn service_accounts_last_month_amortized() {
    snap(
        "service_accounts_last_month_amortized",
        &[
            Action::Range(RangePreset::LastMonth),
            Action::ToggleMetric,
            Action::Services,
            Action::Enter,
        ],
    );
}

#[test]
fn command_line() {
    let mut actions = vec![Action::Command];
    actions.extend("account pay".chars().map(Action::InputChar));
    snap("command_line", &actions);
}

#[test]
fn help() {
    snap("help", &[Action::Help]);
}

#[test]
fn too_small() {
    let app = app_after(&[]);
    insta::assert_snapshot!("too_small", screen(&app, 60, 20));
}

#[test]
fn empty_cache() {
    let dir = tempfile::tempdir().unwrap();
    let store = costscope::store::Store::open(&dir.path().join("empty.sqlite")).unwrap();
    let mut app = common::app_on(store);
    app.state.cache_label = "cache.sqlite".to_string();
    insta::assert_snapshot!("empty_cache", screen(&app, 100, 30));
}

/// Starts nothing: the screens below show the status bar, not a sync.
struct NoSync;

impl costscope::tui::jobs::JobLauncher for NoSync {
    fn sync(&self) -> costscope::tui::runner::BackgroundJob {
        costscope::tui::runner::job(|_| std::future::pending())
    }

    fn scan(&self) -> costscope::tui::runner::BackgroundJob {
        costscope::tui::runner::job(|_| std::future::pending())
    }
}

/// A small generated organization in a cache marked as synced from AWS, with 42 Cost
/// Explorer requests this month, 15 of them in the last sync.
fn real_cache_app(dir: &std::path::Path) -> App {
    let path = dir.join("real.sqlite");
    let (store, _) = costscope::demo::prepare_cache(&path, common::params(6), |_, _| {}).unwrap();
    store.set_meta("kind", "aws").unwrap();
    store.set_meta("last_sync_ce_requests", "15").unwrap();
    for (at, requests) in [("2026-11-02T07:00:00Z", 27), ("2026-11-20T07:00:00Z", 15)] {
        store
            .record_api_call(&costscope::store::ApiCall {
                at: common::stamp(at),
                service: "ce",
                operation: "GetCostAndUsage",
                account: None,
                region: Some("us-east-1".into()),
                requests,
                throttled: 0,
                metrics: 0,
                error: None,
            })
            .unwrap();
    }
    let mut app = common::app_on(store).with_jobs(Box::new(NoSync));
    app.state.cache_label = "real.sqlite".to_string();
    app.dispatch(Action::Resize(100, 30));
    app
}

#[test]
fn sync_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = real_cache_app(dir.path());
    app.dispatch(Action::Refresh);
    insta::assert_snapshot!("sync_dialog", screen(&app, 100, 30));
}

#[test]
fn status_bar_while_syncing_and_offline() {
    use costscope::sync::SyncEvent;
    use costscope::tui::action::SyncOutcome;
    let dir = tempfile::tempdir().unwrap();
    let mut app = real_cache_app(dir.path());
    app.dispatch(Action::Refresh);
    app.dispatch(Action::Enter);
    app.dispatch(Action::SyncProgress(SyncEvent::MonthStarted {
        month: costscope::domain::Month::new(2026, 11).unwrap(),
        index: 0,
        of: 1,
    }));
    let running = screen(&app, 120, 30);
    let status = running.lines().last().unwrap().to_string();
    assert!(status.contains("syncing 0/1 2026-11"), "{status}");
    assert!(
        status.contains("last sync $0.15 · CE this month $0.42"),
        "{status}"
    );

    app.dispatch(Action::SyncFinished(SyncOutcome::Failed {
        message:
            "cannot reach AWS for GetCallerIdentity (dispatch failure); the cache is unchanged"
                .into(),
        offline: true,
    }));
    insta::assert_snapshot!("offline", screen(&app, 120, 30));
}

#[test]
fn scan_dialog_and_status_bar_while_scanning() {
    use costscope::sync::SyncEvent;
    use costscope::tui::action::ScanOutcome;
    let dir = tempfile::tempdir().unwrap();
    let mut app = real_cache_app(dir.path());
    app.dispatch(Action::RunCommand("scan".into()));
    insta::assert_snapshot!("scan_dialog", screen(&app, 100, 30));

    app.dispatch(Action::Enter);
    app.dispatch(Action::ScanProgress(SyncEvent::ScanPlanned {
        accounts: 6,
        concurrency: 8,
    }));
    let status = screen(&app, 120, 30).lines().last().unwrap().to_string();
    assert!(status.contains("scanning 6 accounts"), "{status}");
    app.dispatch(Action::ScanProgress(SyncEvent::UnitScanned {
        account: "111111111111".into(),
        unit: "us-east-1".into(),
        resources: 4,
        findings: 1,
        done: 1,
        known: 3,
    }));
    app.dispatch(Action::ScanProgress(SyncEvent::UnitNotScanned {
        account: "222222222222".into(),
        unit: "eu-west-1".into(),
        reason: "access denied for DescribeInstances".into(),
    }));
    let status = screen(&app, 120, 30).lines().last().unwrap().to_string();
    assert!(status.contains("scanning 2/3 (1 not scanned)"), "{status}");

    app.dispatch(Action::ScanFinished(ScanOutcome::Done {
        units: 2,
        not_scanned: 1,
        partial: 0,
        new_findings: 1,
        closed: 0,
        metrics: 3000,
    }));
    let (_, message) = app.state.message.clone().unwrap();
    assert!(
        message.contains("1 new finding")
            && message.contains("3000 CloudWatch metrics ($0.03)")
            && message.contains("1 not scanned"),
        "{message}"
    );
    assert!(app.state.scan.running.is_none());
}

#[test]
fn the_demo_and_a_cache_without_aws_refuse_a_scan_and_say_why() {
    let mut demo = common::demo_app("snapshots");
    demo.dispatch(Action::Scan);
    assert_eq!(demo.state.mode, costscope::tui::state::Mode::Normal);
    let (_, message) = demo.state.message.clone().unwrap();
    assert!(message.contains("nothing to scan"), "{message}");

    let dir = tempfile::tempdir().unwrap();
    let store = costscope::store::Store::open(&dir.path().join("c.sqlite")).unwrap();
    let mut app = common::app_on(store);
    app.dispatch(Action::RunCommand("scan".into()));
    let (_, message) = app.state.message.clone().unwrap();
    assert!(message.contains("not available"), "{message}");
}

#[test]
fn each_view_shows_the_key_hints_it_declares() {
    let hints = |actions: &[Action]| {
        let text = screen(&app_after(actions), 100, 30);
        text.lines().nth(28).unwrap_or_default().to_string()
    };
    let costs = hints(&[]);
    assert!(
        costs.contains("drill") && costs.contains("metric"),
        "{costs}"
    );
    let findings = hints(&[Action::Findings]);
    assert!(
        findings.contains("mark") && !findings.contains("drill"),
        "{findings}"
    );
    let audit = hints(&[Action::Audit]);
    assert!(
        audit.contains("back") && audit.contains("filter"),
        "{audit}"
    );
    assert!(
        !audit.contains("drill") && !audit.contains("mark"),
        "{audit}"
    );
    // At the smallest size the last hints before help and quit give way.
    let narrow = screen(&app_after(&[Action::Resize(80, 24)]), 80, 24);
    let line = narrow.lines().nth(22).unwrap_or_default();
    assert!(line.contains("/ filter  ? help  q quit"), "{line}");
    assert!(!line.contains(": cmd"), "{line}");
}
