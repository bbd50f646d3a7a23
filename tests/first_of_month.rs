//! The 1st of a month, with data as of the day before: nothing the cache does not hold is
//! shown as a number.

mod common;

use chrono::NaiveDate;
use costscope::demo::{self, DemoParams};
use costscope::domain::{change_ratio, RangePreset};
use costscope::tui::action::Action;
use costscope::tui::model::ViewData;
use costscope::tui::App;

fn first() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

fn app_on_the_first(dir: &std::path::Path) -> App {
    use costscope::config::{Config, Keymap, Theme};
    let path = dir.join("first.sqlite");
    let params = DemoParams {
        seed: demo::DEFAULT_SEED,
        accounts: 6,
        today: first(),
    };
    let (store, _) = demo::prepare_cache(&path, params, |_, _| {}).unwrap();
    let keymap = Keymap::defaults(&costscope::tui::action::bindable_names()).unwrap();
    let state =
        costscope::tui::State::new(&Config::default(), Theme::default_theme(), keymap, first());
    let mut app = App::new(store, state, None).unwrap();
    // The temporary path would change every run.
    app.state.cache_label = "first.sqlite".to_string();
    app.dispatch(Action::Resize(120, 36));
    app
}

/// The lines of a screen, as snapshots store them.
fn screen(app: &mut App, width: u16, height: u16) -> String {
    app.dispatch(Action::Resize(width, height));
    common::screen_text_lines(app, width, height)
}

const NO_DATA_YET: &str = "no data yet for December (data as of Nov 30)";

/// Nothing on the screen claims a number the cache does not hold.
fn assert_no_invented_numbers(text: &str) {
    assert!(!text.contains("$0.00"), "{text}");
    assert!(!text.contains("-100.0%"), "{text}");
    assert!(
        !text.contains(" 0% "),
        "a share of an unknown amount: {text}"
    );
}

#[test]
fn the_overview_on_the_first_says_no_data_yet_instead_of_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on_the_first(dir.path());
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains(&format!("Organization spend · {NO_DATA_YET}")),
        "{text}"
    );
    assert_no_invented_numbers(&text);
    // Last month is known and shown.
    assert!(text.contains("Last month"), "{text}");
    insta::assert_snapshot!("overview_on_the_first_160x48", text);
}

#[test]
fn every_list_on_the_first_says_no_data_yet_and_shows_dashes() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on_the_first(dir.path());
    for open in [Action::Accounts, Action::Services] {
        app.dispatch(open);
        let text = screen(&mut app, 120, 36);
        assert!(text.contains(NO_DATA_YET), "{text}");
        assert_no_invented_numbers(&text);
        // One level down too: a service's accounts, an account's services.
        app.dispatch(Action::Enter);
        let text = screen(&mut app, 120, 36);
        assert!(text.contains(NO_DATA_YET), "{text}");
        assert_no_invented_numbers(&text);
        app.dispatch(Action::Back);
    }
    app.dispatch(Action::Accounts);
    insta::assert_snapshot!("accounts_on_the_first_80x24", screen(&mut app, 80, 24));
}

#[test]
fn a_window_that_reaches_back_into_days_with_data_is_known() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on_the_first(dir.path());
    app.dispatch(Action::Range(RangePreset::Last30Days));
    app.dispatch(Action::Accounts);
    let text = screen(&mut app, 120, 36);
    assert!(!text.contains(NO_DATA_YET), "{text}");
    assert!(text.contains("6 accounts · total $"), "{text}");
}

/// The organization's change as the accounts view's title compares it: billed against
/// billed, and with the once-a-month fees spread over their month.
fn org_change(app: &App) -> (f64, f64) {
    let ViewData::Table(table) = &app.state.data else {
        panic!("{:?}", app.state.data)
    };
    let billed = change_ratio(table.total.unwrap(), table.previous_total.unwrap()).unwrap();
    let (current, previous) = table.spread.apply(table.total, table.previous_total);
    (
        billed,
        change_ratio(current.unwrap(), previous.unwrap()).unwrap(),
    )
}

#[test]
fn thirty_days_against_the_thirty_before_invent_no_growth_from_the_fees_on_the_1st() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on_the_first(dir.path());
    app.dispatch(Action::Accounts);
    app.dispatch(Action::Range(RangePreset::Last30Days));
    // Nov 1-30 holds November's savings plan fees; Oct 2-31 holds none of October's.
    let (billed, unblended) = org_change(&app);
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("Δ spreads monthly fees"), "{text}");
    app.dispatch(Action::ToggleMetric);
    // Amortized cost already spreads the fees: the honest change.
    let (amortized_billed, amortized) = org_change(&app);
    assert_eq!(amortized_billed, amortized, "nothing to spread");
    assert!(
        (billed - amortized).abs() > 0.03,
        "billed against billed, unblended invents growth: {billed} vs {amortized}"
    );
    assert!(
        (unblended - amortized).abs() < 0.005,
        "spread, the two metrics agree: {unblended} vs {amortized}"
    );
    // Over whole months nothing is spread: Last month is billed against billed.
    app.dispatch(Action::ToggleMetric);
    app.dispatch(Action::Range(RangePreset::LastMonth));
    let (billed, spread) = org_change(&app);
    assert_eq!(billed, spread);
}

#[test]
fn a_cache_synced_before_fees_were_read_apart_says_its_change_may_hold_them() {
    let dir = tempfile::tempdir().unwrap();
    drop(app_on_the_first(dir.path()));
    // What migration 5 leaves of a cache synced before it: no fees, none known.
    let conn = rusqlite::Connection::open(dir.path().join("first.sqlite")).unwrap();
    conn.execute_batch("DELETE FROM cost_fees; UPDATE months SET fees_known = 0;")
        .unwrap();
    drop(conn);
    let mut app = app_on_the_first(dir.path());
    app.dispatch(Action::Accounts);
    app.dispatch(Action::Range(RangePreset::Last30Days));
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("Δ may hold Oct 2026's monthly fees (a full sync reads them)"),
        "{text}"
    );
    let (billed, spread) = org_change(&app);
    assert_eq!(billed, spread, "nothing known to spread");
}
