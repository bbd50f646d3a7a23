//! Headless: send actions to the real app on a real demo cache; check state and data.

mod common;

use costscope::domain::{Metric, Money, Month, RangePreset};
use costscope::tui::action::Action;
use costscope::tui::model::{RowKey, ViewData};
use costscope::tui::selectors;
use costscope::tui::state::{Mode, OverviewFocus, ViewKind};
use costscope::tui::update::update;
use costscope::tui::{App, Effect};

fn app() -> App {
    common::demo_app("app_flow")
}

fn send(app: &mut App, actions: &[Action]) {
    for a in actions {
        app.dispatch(a.clone());
    }
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.dispatch(Action::InputChar(c));
    }
}

/// `B` from a service's usage types: the same account and service by day.
const BY_DAY: Action = Action::BreakDown { forward: false };

fn table_total(app: &App) -> Option<Money> {
    match &app.state.data {
        ViewData::Table(t) => t.total,
        ViewData::Overview(o) => o.total,
        _ => None,
    }
}

#[test]
fn drill_from_org_to_one_service_of_one_account_and_back() {
    let mut app = app();
    assert_eq!(app.state.top().kind, ViewKind::Overview);
    let org_total = table_total(&app).unwrap();

    send(&mut app, &[Action::Accounts, Action::Down, Action::Enter]);
    let ViewKind::AccountServices(account) = app.state.top().kind else {
        panic!("{:?}", app.state.top().kind)
    };
    let account_total = table_total(&app).unwrap();
    assert!(account_total < org_total && account_total > Money::ZERO);

    let first_service = selectors::rows(&app.state)[0].clone();
    send(&mut app, &[Action::Enter]);
    // The demo's months carry usage types: Enter lists the service's, to the nano-dollar.
    let ViewKind::Breakdown(usage) = app.state.top().kind else {
        panic!("{:?}", app.state.top().kind)
    };
    assert_eq!(usage.by, costscope::domain::dimension::Dimension::UsageType);
    assert_eq!(table_total(&app), first_service.amount);
    send(&mut app, &[BY_DAY]);
    let ViewKind::Series {
        account: Some(a),
        service: Some(s),
    } = app.state.top().kind
    else {
        panic!()
    };
    assert_eq!(a, account);
    assert_eq!(RowKey::Service(s), first_service.key);
    // The daily series adds up to the row we came from, to the nano-dollar.
    assert_eq!(table_total(&app), first_service.amount);
    let crumbs = app.state.breadcrumbs();
    assert_eq!(crumbs.len(), 3);
    assert_eq!(crumbs[0], "Accounts");
    assert_eq!(crumbs[2], first_service.name);
    assert!(selectors::rows(&app.state)
        .iter()
        .all(|r| matches!(r.key, RowKey::Day(_))));

    send(&mut app, &[Action::Back, Action::Back]);
    assert_eq!(app.state.top().kind, ViewKind::Accounts);
    assert_eq!(table_total(&app), Some(org_total));
    send(&mut app, &[Action::Back]);
    assert_eq!(app.state.stack.len(), 1, "Esc at the root stays put");
}

#[test]
fn drill_the_other_way_service_then_account() {
    let mut app = app();
    send(&mut app, &[Action::Services, Action::Enter]);
    let ViewKind::ServiceAccounts(service) = app.state.top().kind else {
        panic!()
    };
    let row = selectors::rows(&app.state)[0].clone();
    send(&mut app, &[Action::Enter, BY_DAY]);
    assert!(
        matches!(app.state.top().kind, ViewKind::Series { service: Some(s), .. } if s == service)
    );
    assert_eq!(table_total(&app), row.amount);
    assert_eq!(app.state.breadcrumbs().last(), Some(&row.name));
}

#[test]
fn overview_drills_into_the_focused_top_table() {
    let mut app = app();
    send(&mut app, &[Action::FocusRight, Action::Enter]);
    assert!(matches!(app.state.top().kind, ViewKind::ServiceAccounts(_)));
    send(&mut app, &[Action::Back, Action::FocusLeft, Action::Enter]);
    assert!(matches!(app.state.top().kind, ViewKind::AccountServices(_)));
}

#[test]
fn every_table_follows_range_and_metric() {
    let mut app = app();
    send(&mut app, &[Action::Accounts]);
    let mtd = table_total(&app).unwrap();
    send(&mut app, &[Action::Range(RangePreset::LastMonth)]);
    let last_month = table_total(&app).unwrap();
    assert!(last_month > mtd);
    send(&mut app, &[Action::ToggleMetric]);
    assert_eq!(app.state.metric, Metric::Amortized);
    let amortized = table_total(&app).unwrap();
    assert_ne!(amortized, last_month);

    send(&mut app, &[Action::PrevMonth]);
    assert_eq!(
        app.state.range,
        RangePreset::Month(Month::of(common::today()).offset(-2))
    );
    send(&mut app, &[Action::NextMonth, Action::NextMonth]);
    assert_eq!(
        app.state.range,
        RangePreset::Month(Month::of(common::today()))
    );
    send(&mut app, &[Action::NextMonth]);
    assert_eq!(
        app.state.range,
        RangePreset::Month(Month::of(common::today())),
        "no months past today"
    );
    for _ in 0..20 {
        send(&mut app, &[Action::PrevMonth]);
    }
    assert_eq!(
        app.state.range,
        RangePreset::Month(Month::of(common::today()).offset(-13)),
        "not before the first cached month"
    );

    // Previous period before the cache: unknown, not zero.
    let rows = selectors::rows(&app.state);
    assert!(rows.iter().all(|r| r.previous.is_none()));
}

#[test]
fn monthly_granularity_turns_the_series_into_months() {
    let mut app = app();
    send(
        &mut app,
        &[
            Action::Range(RangePreset::Last13Months),
            Action::Services,
            Action::Enter,
            Action::Enter,
            BY_DAY,
        ],
    );
    let daily_total = table_total(&app);
    assert_eq!(app.state.message, None);
    assert_eq!(
        selectors::rows(&app.state).len(),
        396,
        "Oct 2025 to Oct 2026"
    );
    send(&mut app, &[Action::ToggleGranularity]);
    assert_eq!(selectors::rows(&app.state).len(), 13);
    assert_eq!(table_total(&app), daily_total);
}

#[test]
fn filter_narrows_rows_live_and_esc_clears_it() {
    let mut app = app();
    send(&mut app, &[Action::Accounts, Action::Filter]);
    assert_eq!(app.state.mode, Mode::Filter);
    let all = selectors::rows(&app.state).len();
    type_text(&mut app, "PROD");
    let prod = selectors::rows(&app.state).to_vec();
    assert!(!prod.is_empty() && prod.len() < all);
    assert!(prod.iter().all(|r| r.name.contains("prod")));
    send(&mut app, &[Action::InputSubmit]);
    assert_eq!(app.state.mode, Mode::Normal);
    assert_eq!(
        selectors::rows(&app.state).len(),
        prod.len(),
        "the filter stays after enter"
    );
    send(&mut app, &[Action::Back]);
    assert_eq!(
        selectors::rows(&app.state).len(),
        all,
        "esc clears the filter first"
    );
    assert_eq!(app.state.top().kind, ViewKind::Accounts);
}

#[test]
fn sort_by_any_column_and_invert() {
    let mut app = app();
    send(&mut app, &[Action::Accounts]);
    let by_cost: Vec<Option<Money>> = selectors::rows(&app.state)
        .iter()
        .map(|r| r.amount)
        .collect();
    assert!(by_cost.windows(2).all(|w| w[0] >= w[1]));
    send(&mut app, &[Action::SortPrev, Action::SortPrev]);
    assert_eq!(app.state.top().sort.column, 0);
    let names: Vec<String> = selectors::rows(&app.state)
        .iter()
        .map(|r| r.name.to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
    send(&mut app, &[Action::SortInvert]);
    let names: Vec<String> = selectors::rows(&app.state)
        .iter()
        .map(|r| r.name.to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn grouping_by_ou_adds_unit_headers() {
    let mut app = app();
    send(&mut app, &[Action::Accounts, Action::ToggleGrouping]);
    let rows = selectors::rows(&app.state);
    let headers: Vec<&str> = rows
        .iter()
        .filter(|r| r.key == RowKey::Unit)
        .map(|r| r.name.as_str())
        .collect();
    assert!(
        headers.contains(&"Root / Workloads / Production"),
        "{headers:?}"
    );
    // Enter on a header drills into that unit's accounts, with their own total.
    let header = rows[0].clone();
    let members: Vec<_> = rows
        .iter()
        .skip(1)
        .take_while(|r| r.key != RowKey::Unit)
        .cloned()
        .collect();
    assert_eq!(header.key, RowKey::Unit);
    send(&mut app, &[Action::Enter]);
    assert!(matches!(app.state.top().kind, ViewKind::UnitAccounts(_)));
    assert_eq!(app.state.breadcrumbs(), ["Accounts", header.name.as_str()]);
    let shown = selectors::rows(&app.state);
    assert_eq!(shown.len(), members.len());
    assert!(shown.iter().all(|r| matches!(r.key, RowKey::Account(_))));
    assert_eq!(table_total(&app), header.amount);
    let text = common::screen_text(&app, 120, 30);
    let title = format!(
        "{} accounts · total {}",
        members.len(),
        header.amount.unwrap().format_exact()
    );
    assert!(text.contains(&title), "{title} not in {text}");
    // And on down to an account's services; back returns to the grouped list.
    send(&mut app, &[Action::Enter]);
    assert!(matches!(app.state.top().kind, ViewKind::AccountServices(_)));
    send(&mut app, &[Action::Back, Action::Back]);
    assert_eq!(app.state.top().kind, ViewKind::Accounts);
}

#[test]
fn command_mode_opens_views_by_name_and_reports_errors() {
    let mut app = app();
    send(&mut app, &[Action::Command]);
    type_text(&mut app, "account payments-prod");
    send(&mut app, &[Action::InputSubmit]);
    assert!(matches!(app.state.top().kind, ViewKind::AccountServices(_)));
    assert_eq!(app.state.breadcrumbs(), ["Accounts", "payments-prod"]);

    send(
        &mut app,
        &[Action::RunCommand("service simple storage".into())],
    );
    assert_eq!(
        app.state.breadcrumbs(),
        ["Services", "Amazon Simple Storage Service"]
    );

    send(&mut app, &[Action::RunCommand("svc".into())]);
    assert_eq!(app.state.top().kind, ViewKind::Services);
    send(&mut app, &[Action::RunCommand("overview".into())]);
    assert_eq!(app.state.top().kind, ViewKind::Overview);

    send(
        &mut app,
        &[Action::RunCommand("account no-such-team".into())],
    );
    let (_, text) = app.state.message.clone().unwrap();
    assert!(text.contains("no account matches"), "{text}");
    send(&mut app, &[Action::RunCommand("theme".into())]);
    let (_, text) = app.state.message.clone().unwrap();
    assert!(
        text.contains("themes: default, high-contrast, light"),
        "{text}"
    );
    // A typo is answered with what was meant; a short name finds its service first.
    send(
        &mut app,
        &[Action::RunCommand("account catalog-prd".into())],
    );
    let (_, text) = app.state.message.clone().unwrap();
    assert!(text.contains("closest: catalog-prod"), "{text}");
    for (short, service) in [
        ("ec2", "Amazon Elastic Compute Cloud - Compute"),
        ("s3", "Amazon Simple Storage Service"),
    ] {
        send(&mut app, &[Action::RunCommand(format!("service {short}"))]);
        assert_eq!(
            app.state.breadcrumbs(),
            ["Services", service],
            ":service {short}"
        );
    }
    send(&mut app, &[Action::RunCommand("bogus".into())]);
    assert!(app
        .state
        .message
        .clone()
        .unwrap()
        .1
        .contains("unknown command"));

    send(&mut app, &[Action::RunCommand("range 90d".into())]);
    assert_eq!(app.state.range, RangePreset::Last90Days);
}

#[test]
fn theme_command_switches_theme_or_explains() {
    let mut app = app();
    let dark = app.state.theme.clone();
    send(&mut app, &[Action::RunCommand("theme light".into())]);
    assert_eq!(app.state.theme.name, "light");
    assert_ne!(app.state.theme, dark);
    send(&mut app, &[Action::RunCommand("theme neon".into())]);
    assert_eq!(app.state.theme.name, "light");
    assert!(app
        .state
        .message
        .clone()
        .unwrap()
        .1
        .contains("unknown theme"));
}

#[test]
fn help_takes_all_keys_until_closed_and_quit_is_an_effect() {
    let mut app = app();
    send(&mut app, &[Action::Help, Action::Accounts]);
    assert!(matches!(app.state.mode, Mode::Help { .. }));
    assert_eq!(
        app.state.top().kind,
        ViewKind::Overview,
        "help swallowed the key"
    );
    send(&mut app, &[Action::Back]);
    assert_eq!(app.state.mode, Mode::Normal);
    assert_eq!(update(&mut app.state, Action::Quit), vec![Effect::Quit]);
    assert!(app.state.should_quit);
}

#[test]
fn overview_headline_is_consistent() {
    let app = app();
    let ViewData::Overview(o) = &app.state.data else {
        panic!()
    };
    let h = &o.headline;
    let mtd = h.month_to_date.unwrap();
    assert_eq!(o.total, Some(mtd), "month to date is the default range");
    assert!(h.forecast.unwrap() > mtd);
    assert!(h.last_month.unwrap() > h.same_period_last_month.unwrap());
    assert_eq!(o.top_accounts.len(), 10);
    assert!(o
        .top_accounts
        .windows(2)
        .all(|w| w[0].amount >= w[1].amount));
    assert_eq!(o.chart.len(), 19, "one bar per day with data");
}

#[test]
fn a_view_the_cache_cannot_answer_says_so_instead_of_showing_stale_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.sqlite");
    costscope::demo::prepare_cache(&path, common::params(4), |_, _| {}).unwrap();
    let mut app = common::app_on(costscope::store::Store::open(&path).unwrap());
    send(&mut app, &[Action::Accounts]);
    assert!(matches!(app.state.data, ViewData::Table(_)));

    // Another process damages the cache while costscope runs.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("DROP TABLE cost_daily").unwrap();
    send(&mut app, &[Action::Enter]);
    assert!(matches!(app.state.top().kind, ViewKind::AccountServices(_)));
    let ViewData::Unavailable(reason) = &app.state.data else {
        panic!("{:?}", app.state.data)
    };
    assert!(reason.contains("cost_daily"), "{reason}");
    assert!(app.state.message.is_some());
    assert!(selectors::rows(&app.state).is_empty());

    assert!(common::screen_text(&app, 100, 30).contains("could not be read from the cache"));
}

#[test]
fn the_demo_has_nothing_to_sync() {
    let mut app = app();
    app.dispatch(Action::Refresh);
    assert_eq!(app.state.mode, Mode::Normal);
    let (_, text) = app.state.message.clone().unwrap();
    assert!(text.contains("nothing to sync"), "{text}");
}

#[test]
fn refresh_shows_the_cost_first_and_only_enter_starts_it() {
    let mut state = app().state;
    state.summary.kind = Some(costscope::store::CacheKind::Aws);
    state.sync.available = true;
    // Every month of the demo is cached and all but the current one are final.
    assert!(update(&mut state, Action::Refresh).is_empty());
    let Mode::ConfirmSync { months, estimate } = state.mode.clone() else {
        panic!("{:?}", state.mode)
    };
    assert_eq!(months, vec![Month::new(2026, 11).unwrap()]);
    // No sync measured it yet: from one page for the costs and one for the fees to
    // what 24 accounts may take.
    assert_eq!(
        (estimate.low, estimate.high, estimate.measured),
        (2, 13, false)
    );
    // Once a sync has, the dialog uses what it measured: 30 pages over 14 months.
    update(&mut state, Action::Back);
    state.sync.last_sync_pages = costscope::domain::sync_plan::PagesPerMonth::parse("30,14,4");
    update(&mut state, Action::Refresh);
    let Mode::ConfirmSync { estimate, .. } = state.mode.clone() else {
        panic!("{:?}", state.mode)
    };
    assert_eq!(
        (estimate.low, estimate.high, estimate.measured),
        (3, 4, true)
    );
    update(&mut state, Action::Back);
    update(&mut state, Action::Refresh);
    for key in [Action::Down, Action::Refresh, Action::Back] {
        assert!(update(&mut state, key).is_empty(), "no effect before enter");
    }
    assert_eq!(state.mode, Mode::Normal, "esc cancelled");
    update(&mut state, Action::Refresh);
    assert_eq!(update(&mut state, Action::Enter), vec![Effect::StartSync]);
    assert!(state.sync.running.is_some());
    // A second refresh while one runs is refused, not queued.
    assert!(update(&mut state, Action::Refresh).is_empty());
    assert_eq!(state.mode, Mode::Normal);
}

#[test]
fn the_visible_rows_are_computed_when_data_filter_or_sort_change_not_on_every_key() {
    let mut app = app();
    send(&mut app, &[Action::Findings]);
    let shown = app.state.visible.findings.clone();
    assert!(shown.len() > 10, "the demo has findings: {}", shown.len());
    let key = app.state.visible.key.clone();
    // Moving the cursor changes nothing the list depends on.
    send(&mut app, &[Action::Down, Action::Down, Action::Up]);
    assert_eq!(app.state.visible.key, key);
    // A sort key reorders it, once.
    send(&mut app, &[Action::SortNext]);
    assert_ne!(app.state.visible.key, key);
    let mut resorted = app.state.visible.findings.clone();
    assert_ne!(resorted, shown, "sorted by rule now, not by saving");
    resorted.sort();
    let mut before = shown.clone();
    before.sort();
    assert_eq!(resorted, before, "the same findings");
    // A filter keystroke narrows it; the rows are what the screen lists.
    send(&mut app, &[Action::Filter]);
    type_text(&mut app, "gp2");
    let filtered: Vec<_> = selectors::findings(&app.state).collect();
    assert!(!filtered.is_empty() && filtered.len() < shown.len());
    assert!(filtered.iter().all(|t| {
        let f = &t.finding;
        [f.rule.name(), &f.resource, &f.label, &f.evidence.summary]
            .iter()
            .any(|text| text.to_lowercase().contains("gp2"))
    }));
}

#[test]
fn far_down_the_findings_list_the_screen_shows_the_finding_under_the_cursor() {
    let mut app = app();
    send(&mut app, &[Action::Findings]);
    let count = app.state.visible.findings.len();
    assert!(count > 30, "{count}");
    for _ in 0..30 {
        send(&mut app, &[Action::Down]);
    }
    let chosen = selectors::findings(&app.state)
        .nth(30)
        .unwrap()
        .finding
        .resource
        .clone();
    let text = common::screen_text(&app, 160, 40);
    assert!(text.contains(&chosen), "{chosen} is on screen:\n{text}");
    let first = selectors::findings(&app.state)
        .next()
        .unwrap()
        .finding
        .resource
        .clone();
    assert!(!text.contains(&first), "scrolled past the first finding");
}

#[test]
fn a_filtered_list_titles_the_sum_of_the_rows_it_shows() {
    let mut app = app();
    send(&mut app, &[Action::Accounts, Action::Filter]);
    type_text(&mut app, "prod");
    let rows = selectors::rows(&app.state);
    let sum = Money::try_sum(rows.iter().map(|r| r.amount.unwrap())).unwrap();
    let whole = table_total(&app).unwrap();
    assert!(sum < whole && !rows.is_empty());
    let text = common::screen_text(&app, 120, 30);
    let expected = format!(
        "{} of 24 accounts · total {} of {}",
        rows.len(),
        sum.format_exact(),
        whole.format_exact()
    );
    assert!(text.contains(&expected), "{expected} not in {text}");

    // The findings list too: the count and the open saving of the findings shown.
    let mut app = self::app();
    send(&mut app, &[Action::Findings, Action::Filter]);
    type_text(&mut app, "gp2-volume");
    let shown: Vec<_> = selectors::findings(&app.state).collect();
    let text = common::screen_text(&app, 160, 40);
    let ViewData::Findings(data) = &app.state.data else {
        panic!("not the findings view")
    };
    // Each resource once: a gp2 volume that is also unattached counts its delete.
    let saving = data.alternatives.total(shown.iter().copied()).unwrap();
    assert!(
        saving.alternatives > 0,
        "the demo has unattached gp2 volumes"
    );
    let expected = format!(
        "{} of {} findings · open {}: {}/mo",
        shown.len(),
        data.findings.len(),
        shown.len(),
        saving.monthly.format_exact()
    );
    assert!(text.contains(&expected), "{expected} not in {text}");
}

#[test]
fn ctrl_c_quits_from_the_list_the_filter_and_the_command_line() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    for open in [None, Some(Action::Filter), Some(Action::Command)] {
        let mut app = app();
        if let Some(open) = &open {
            app.dispatch(open.clone());
            type_text(&mut app, "ec2");
        }
        let action = app.action_for_key(ctrl_c).unwrap();
        assert_eq!(action, Action::Interrupt, "after {open:?}");
        let effects = update(&mut app.state, action);
        assert!(
            app.state.should_quit && effects.contains(&Effect::Quit),
            "ctrl-c after {open:?} did not quit: {effects:?}"
        );
    }
}

#[test]
fn a_series_compares_each_row_with_the_row_before_and_its_first_with_nothing() {
    let mut app = app();
    send(
        &mut app,
        &[Action::Accounts, Action::Enter, Action::Enter, BY_DAY],
    );
    assert!(matches!(app.state.top().kind, ViewKind::Series { .. }));
    for granularity in [false, true] {
        if granularity {
            send(
                &mut app,
                &[
                    Action::Range(RangePreset::Last13Months),
                    Action::ToggleGranularity,
                ],
            );
        }
        let rows = selectors::rows(&app.state);
        assert!(rows.len() > 1, "{rows:?}");
        assert_eq!(
            rows[0].previous, None,
            "the first row has nothing before it"
        );
        for pair in rows.windows(2) {
            assert_eq!(pair[1].previous, pair[0].amount);
        }
    }
}

#[test]
fn the_change_in_dollars_sorts_the_top_movers_first_up_or_down() {
    let mut app = app();
    send(&mut app, &[Action::Services]);
    while app.state.top().sort.column != 4 {
        send(&mut app, &[Action::SortNext]);
    }
    let text = common::screen_text(&app, 120, 30);
    assert!(text.contains("Δ$▼"), "{text}");
    // The change compares with the once-a-month fees spread over their month.
    let sizes: Vec<Money> = selectors::rows(&app.state)
        .iter()
        .map(|r| {
            let (current, previous) = r.compared();
            (current.unwrap() - previous.unwrap()).abs()
        })
        .collect();
    assert!(sizes.len() > 3);
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    let first = &selectors::rows(&app.state)[0];
    let change = first.change().unwrap();
    assert!(text.contains(&change.format_change()), "{text}");
}

#[test]
fn help_scrolls_to_its_end_with_g_and_by_half_pages() {
    let mut app = app();
    send(&mut app, &[Action::Resize(80, 24), Action::Help]);
    let top = common::screen_text(&app, 80, 24);
    assert!(
        top.contains("Navigation") || top.contains("General"),
        "{top}"
    );
    send(&mut app, &[Action::Bottom]);
    let Mode::Help { scroll: last } = app.state.mode else {
        panic!("help closed")
    };
    assert!(last > 0);
    let end = common::screen_text(&app, 80, 24);
    assert!(
        end.contains("the other finding is its alternative"),
        "{end}"
    );
    // Past the end is the end.
    send(&mut app, &[Action::Down, Action::PageDown]);
    assert_eq!(app.state.mode, Mode::Help { scroll: last });
    send(&mut app, &[Action::Top, Action::PageDown]);
    assert_eq!(app.state.mode, Mode::Help { scroll: 12 });
}

#[test]
fn tab_completes_the_command_line_and_a_good_command_clears_the_last_error() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let tab = KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE);
    let mut app = app();
    send(&mut app, &[Action::Command]);
    type_text(&mut app, "acc");
    let action = app.action_for_key(tab).unwrap();
    send(&mut app, std::slice::from_ref(&action));
    assert_eq!(app.state.mode, Mode::Command("accounts ".into()));
    type_text(&mut app, "payments-p");
    send(&mut app, std::slice::from_ref(&action));
    assert_eq!(
        app.state.mode,
        Mode::Command("accounts payments-prod".into())
    );
    send(&mut app, &[Action::InputSubmit]);
    assert_eq!(app.state.breadcrumbs(), ["Accounts", "payments-prod"]);
    // Several choices: the message line lists them.
    send(&mut app, &[Action::Command]);
    type_text(&mut app, "service amazon e");
    send(&mut app, &[action]);
    let (_, text) = app.state.message.clone().unwrap();
    assert!(
        text.starts_with("tab: ") && text.contains("Amazon Elastic"),
        "{text}"
    );
    send(&mut app, &[Action::InputCancel]);

    send(&mut app, &[Action::RunCommand("bogus".into())]);
    assert!(matches!(
        app.state.message,
        Some((costscope::tui::state::Severity::Error, _))
    ));
    send(&mut app, &[Action::RunCommand("services".into())]);
    assert!(
        !matches!(
            app.state.message,
            Some((costscope::tui::state::Severity::Error, _))
        ),
        "{:?}",
        app.state.message
    );
}

#[test]
fn a_findings_panel_too_short_for_its_rows_says_how_many_more() {
    let mut app = app();
    send(&mut app, &[Action::Findings]);
    let text = common::screen_text_lines(&app, 160, 40);
    let rule_panel: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("Open by rule"))
        .take(10)
        .collect();
    for rule in ["idle-ec2", "idle-rds", "unassociated-eip"] {
        assert!(
            rule_panel.iter().any(|l| l.contains(rule)),
            "{rule} missing from {rule_panel:#?}"
        );
    }
    assert!(
        rule_panel.iter().any(|l| l.contains(" more ")),
        "the accounts panel says how many it leaves out: {rule_panel:#?}"
    );
}

#[test]
fn the_overview_chart_grows_with_the_terminal_and_clips_the_spike_on_the_first() {
    let app = app();
    let chart_rows = |width, height| {
        let text = common::screen_text_lines(&app, width, height);
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let start = lines
            .iter()
            .position(|l| l.contains("Daily spend"))
            .unwrap();
        let end = start + lines[start..].iter().position(|l| l.contains('└')).unwrap();
        (end - start - 1, lines[start..end].join("\n"))
    };
    let (small, _) = chart_rows(100, 30);
    let (big, chart) = chart_rows(160, 48);
    assert!(big >= small + 15, "{small} rows at 30 lines, {big} at 48");
    // The fees billed on the 1st tower over the other days: the bar is clipped, marked,
    // and the scale keeps the rest readable.
    assert!(chart.contains('▲'), "{chart}");
    assert!(chart.contains("$0"), "the scale is drawn: {chart}");
}

#[test]
fn in_a_series_the_chart_reads_the_day_under_the_cursor() {
    let mut app = app();
    send(
        &mut app,
        &[Action::Accounts, Action::Enter, Action::Enter, BY_DAY],
    );
    send(&mut app, &[Action::Down, Action::Down]);
    let row = selectors::rows(&app.state)[2].clone();
    let RowKey::Day(day) = row.key else {
        panic!("{row:?}")
    };
    let text = common::screen_text(&app, 120, 40);
    let expected = format!(
        "{}: {}",
        day.format("%a %b %d"),
        row.amount.unwrap().format_exact()
    );
    assert!(text.contains(&expected), "{expected} not in {text}");
}

#[test]
fn at_80_columns_the_findings_keep_their_resource_ids_whole() {
    let mut app = app();
    send(&mut app, &[Action::Findings]);
    let text = common::screen_text(&app, 80, 24);
    let shown: Vec<_> = selectors::findings(&app.state).take(5).collect();
    for t in shown {
        assert!(
            text.contains(&t.finding.resource),
            "{} cut: {text}",
            t.finding.resource
        );
    }
    // The evidence gives way, and says so.
    let longest = selectors::findings(&app.state)
        .take(5)
        .max_by_key(|t| t.finding.evidence.summary.len())
        .unwrap();
    let evidence = &longest.finding.evidence.summary;
    let lines = common::screen_text_lines(&app, 80, 24);
    let row = lines
        .lines()
        .find(|l| l.contains(&longest.finding.resource))
        .unwrap();
    let start = row
        .find(&evidence[..10])
        .expect("the evidence starts in its column");
    assert!(
        row[start..].contains(evidence.as_str()) || row[start..].contains('…'),
        "evidence cut without an ellipsis: {row}"
    );
}

#[test]
fn on_the_overview_up_from_a_list_gives_the_chart_a_cursor_that_left_and_right_move() {
    let mut app = app();
    let ViewData::Overview(overview) = app.state.data.clone() else {
        panic!("{:?}", app.state.data)
    };
    let reads = |p: &costscope::domain::DailyPoint| {
        format!("{}: {}", p.day.format("%a %b %d"), p.amount.format_exact())
    };
    let last = overview.chart.len() - 1;
    send(&mut app, &[Action::Up]);
    assert_eq!(
        app.state.top().chart_cursor,
        Some(last),
        "the newest day first"
    );
    let text = common::screen_text(&app, 160, 48);
    assert!(text.contains(&reads(&overview.chart[last])), "{text}");
    // Left and right move the cursor, not the lists' focus.
    send(
        &mut app,
        &[Action::FocusLeft, Action::FocusLeft, Action::FocusRight],
    );
    assert_eq!(app.state.top().chart_cursor, Some(last - 1));
    let text = common::screen_text(&app, 160, 48);
    assert!(text.contains(&reads(&overview.chart[last - 1])), "{text}");
    send(&mut app, &[Action::Top, Action::FocusLeft]);
    assert_eq!(
        app.state.top().chart_cursor,
        Some(0),
        "clamped at the first day"
    );
    // Down gives the cursor back to the list it came from.
    send(&mut app, &[Action::Down]);
    assert_eq!(app.state.top().chart_cursor, None);
    send(&mut app, &[Action::FocusRight, Action::Down]);
    assert_eq!(app.state.top().focus, OverviewFocus::Services);
    assert_eq!(app.state.top().selected, 1);
}
