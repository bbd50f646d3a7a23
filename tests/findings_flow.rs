//! The findings in the TUI, headless on a real demo cache: the view, a finding's detail
//! with its evidence, dismissing with a reason, the badges on the cost views, and
//! `costscope findings` from the same cache. Snapshots of the findings screens.

mod common;

use costscope::domain::findings::{FindingStatus, Rule};
use costscope::tui::action::Action;
use costscope::tui::model::ViewData;
use costscope::tui::state::{Mode, ViewKind};
use costscope::tui::{App, Effect};

/// A demo app on its own cache file, so dismissing does not touch other tests' data.
fn own_demo() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.sqlite");
    let (store, _) = costscope::demo::prepare_cache(&path, common::params(24), |_, _| {}).unwrap();
    let mut app = common::app_on(store);
    app.state.cache_label = "demo.sqlite".to_string();
    app.dispatch(Action::Resize(120, 40));
    (dir, app)
}

fn findings(app: &App) -> &costscope::tui::findings_data::FindingsData {
    match &app.state.data {
        ViewData::Findings(data) => data,
        other => panic!("not the findings view: {other:?}"),
    }
}

#[test]
fn the_demo_has_findings_of_every_rule_with_unknown_savings_and_an_unscanned_account() {
    let (_dir, mut app) = own_demo();
    app.dispatch(Action::Findings);
    assert_eq!(app.state.top().kind, ViewKind::Findings);
    let data = findings(&app);
    for rule in Rule::ALL {
        assert!(
            data.findings.iter().any(|t| t.finding.rule == rule),
            "no {rule} finding in the demo"
        );
    }
    assert!(
        data.findings
            .iter()
            .any(|t| t.finding.saving.amount().is_none()),
        "eu-west-1 has no prices"
    );
    assert!(data
        .not_scanned
        .iter()
        .any(|u| u.unit == "*" && u.reason.as_deref().unwrap_or("").contains("AssumeRole")));
    // Biggest saving first, as the list shows them.
    let savings: Vec<_> = costscope::tui::selectors::findings(&app.state)
        .filter_map(|t| t.finding.saving.amount())
        .collect();
    assert_eq!(
        savings.len(),
        data.findings
            .iter()
            .filter(|t| t.finding.saving.amount().is_some())
            .count()
    );
    assert!(savings.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn enter_shows_the_evidence_and_x_dismisses_with_a_reason() {
    let (_dir, mut app) = own_demo();
    app.dispatch(Action::RunCommand("findings".into()));
    app.dispatch(Action::Filter);
    for c in "idle-ec2".chars() {
        app.dispatch(Action::InputChar(c));
    }
    app.dispatch(Action::InputSubmit);
    let first = costscope::tui::findings::selected_finding(&app.state)
        .unwrap()
        .clone();
    assert_eq!(first.finding.rule, Rule::IdleEc2);
    let open_before = findings(&app).findings.len();

    app.dispatch(Action::Enter);
    assert_eq!(app.state.top().kind, ViewKind::Finding(first.id));
    let text = common::screen_text(&app, 120, 40);
    assert!(text.contains("CPUUtilization"), "the metric is drawn");
    assert!(text.contains("max daily avg CPU"), "the evidence is listed");
    app.dispatch(Action::Back);

    // Dismissing needs a reason; Esc leaves everything as it was.
    app.dispatch(Action::Dismiss);
    assert!(matches!(app.state.mode, Mode::Dismiss { .. }));
    app.dispatch(Action::InputCancel);
    assert_eq!(app.state.mode, Mode::Normal);
    assert_eq!(findings(&app).findings.len(), open_before);

    app.dispatch(Action::Dismiss);
    for c in "batch box, idle by design".chars() {
        app.dispatch(Action::InputChar(c));
    }
    app.dispatch(Action::InputSubmit);
    assert_eq!(findings(&app).findings.len(), open_before - 1);
    assert!(findings(&app).findings.iter().all(|t| t.id != first.id));

    // Listed again with `A`, marked dismissed with its reason.
    app.dispatch(Action::ToggleAllFindings);
    let again = findings(&app)
        .findings
        .iter()
        .find(|t| t.id == first.id)
        .unwrap();
    assert_eq!(again.status, FindingStatus::Dismissed);
    assert_eq!(
        again.dismissed_reason.as_deref(),
        Some("batch box, idle by design")
    );
}

#[test]
fn dismissing_is_an_effect_only_after_enter_with_a_reason() {
    let (_dir, mut app) = own_demo();
    app.dispatch(Action::Findings);
    let mut state_effects = costscope::tui::update::update(&mut app.state, Action::Dismiss);
    assert!(state_effects.is_empty());
    state_effects = costscope::tui::update::update(&mut app.state, Action::InputSubmit);
    assert!(state_effects.is_empty(), "no reason, no dismissal");
    costscope::tui::update::update(&mut app.state, Action::InputChar('x'));
    let effects = costscope::tui::update::update(&mut app.state, Action::InputSubmit);
    assert!(matches!(effects.as_slice(), [Effect::DismissFinding { reason, .. }] if reason == "x"));
}

#[test]
fn the_cost_views_show_findings_next_to_their_accounts_and_services() {
    let (_dir, mut app) = own_demo();
    app.dispatch(Action::Services);
    let text = common::screen_text(&app, 120, 40);
    assert!(text.contains("Findings"), "a findings column");
    assert!(text.contains("/mo"), "with a saving");
    let index = &app.state.finding_index;
    let ec2 = index
        .by_service
        .get("Amazon Elastic Compute Cloud - Compute")
        .expect("EC2 has findings");
    assert!(ec2.findings > 0);
}

#[test]
fn findings_screens() {
    let (_dir, mut app) = own_demo();
    app.dispatch(Action::Findings);
    insta::assert_snapshot!("findings", common::screen_text_lines(&app, 120, 40));
    app.dispatch(Action::Enter);
    insta::assert_snapshot!("finding_detail", common::screen_text_lines(&app, 120, 40));
}

#[test]
fn a_filter_typed_further_shows_what_filtering_afresh_shows() {
    let (_dir, mut app) = own_demo();
    app.dispatch(Action::Findings);
    app.dispatch(Action::SortNext);
    let shown = |app: &App| {
        costscope::tui::selectors::findings(&app.state)
            .map(|t| t.id)
            .collect::<Vec<_>>()
    };
    let all = shown(&app);
    app.dispatch(Action::Filter);
    let mut narrowed_to_some = false;
    for c in "us-EAst-1".chars() {
        app.dispatch(Action::InputChar(c));
        let typed = shown(&app);
        app.state.visible.key = None;
        costscope::tui::selectors::refresh(&mut app.state);
        assert_eq!(typed, shown(&app), "after {c:?}");
        narrowed_to_some |= !typed.is_empty() && typed.len() < all.len();
    }
    assert!(
        narrowed_to_some,
        "the filter kept some findings and left others"
    );
}

#[test]
fn savings_sort_either_way_with_unknown_savings_last_and_ties_by_id() {
    let (_dir, mut app) = own_demo();
    app.dispatch(Action::Findings);
    for descending in [true, false] {
        let shown: Vec<_> = costscope::tui::selectors::findings(&app.state)
            .map(|t| (t.finding.saving.amount(), t.id))
            .collect();
        assert!(
            shown.last().is_some_and(|(amount, _)| amount.is_none()),
            "unknown last"
        );
        assert!(
            shown.windows(2).all(|w| match (w[0].0, w[1].0) {
                (Some(a), Some(b)) if a == b => w[0].1 < w[1].1,
                (Some(a), Some(b)) => (a > b) == descending,
                (Some(_), None) => true,
                (None, None) => w[0].1 < w[1].1,
                (None, Some(_)) => false,
            }),
            "descending {descending}: {shown:?}"
        );
        app.dispatch(Action::SortInvert);
    }
}
