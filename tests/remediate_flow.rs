//! Approve and apply in the TUI, headless on a real demo cache (simulated, nothing
//! leaves the machine): marking, the plan in the confirm dialog, no apply effect
//! without the confirm action, typed confirmation, read-only mode, a whole run with
//! its audit entries, and the audit log's append-only guarantees.

mod common;

use costscope::domain::audit::{AuditEntry, AuditPhase};
use costscope::domain::findings::{FindingStatus, Rule};
use costscope::domain::remediation::{ConfirmPolicy, PlanOptions};
use costscope::jobs::Applier;
use costscope::remediate::Access;
use costscope::store::{AuditLog, FindingFilter, Store};
use costscope::tui::action::{Action, BINDABLE};
use costscope::tui::app::ApplyLauncher;
use costscope::tui::apply::Focus;
use costscope::tui::state::{Mode, ViewKind};
use costscope::tui::update::update;
use costscope::tui::{App, Effect};
use std::time::Duration;

fn launcher(path: &std::path::Path, access: Access) -> ApplyLauncher {
    ApplyLauncher {
        applier: Applier::Simulated,
        cache: path.to_path_buf(),
        access,
        plan_options: PlanOptions::default(),
        policy: ConfirmPolicy {
            typed_over: 5,
            protected_accounts: vec![],
        },
        stop_on_error: false,
    }
}

fn own_demo(access: Access) -> (tempfile::TempDir, std::path::PathBuf, App) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.sqlite");
    let (store, _) = costscope::demo::prepare_cache(&path, common::params(24), |_, _| {}).unwrap();
    let mut app = common::app_on(store).with_applier(launcher(&path, access));
    app.state.cache_label = "demo.sqlite".to_string();
    app.dispatch(Action::Resize(140, 45));
    app.dispatch(Action::Findings);
    (dir, path, app)
}

/// Moves the cursor to the first open finding of `rule`.
fn select(app: &mut App, rule: Rule) -> i64 {
    app.dispatch(Action::Top);
    for _ in 0..500 {
        let t = costscope::tui::findings::selected_finding(&app.state).unwrap();
        if t.finding.rule == rule && t.status == FindingStatus::Open {
            return t.id;
        }
        app.dispatch(Action::Down);
    }
    panic!("no open {rule} finding");
}

fn wait_for_identity(app: &mut App) {
    assert!(app.wait_until(Duration::from_secs(10), |s| matches!(
        &s.mode,
        Mode::ConfirmApply(d) if d.identity.is_some()
    )));
}

/// Waits for the plan that runs to finish.
fn wait_for_run(app: &mut App) {
    assert!(app.wait_until(Duration::from_secs(20), |s| s
        .apply
        .run
        .as_ref()
        .is_some_and(|r| r.finished.is_some())));
}

fn dialog(app: &App) -> costscope::tui::apply::ConfirmDialog {
    match &app.state.mode {
        Mode::ConfirmApply(d) => (**d).clone(),
        other => panic!("no confirm dialog: {other:?}"),
    }
}

#[test]
fn no_apply_effect_is_produced_without_the_confirm_action() {
    let (_dir, _path, mut app) = own_demo(Access::ReadWrite);
    select(&mut app, Rule::IdleEc2);
    app.dispatch(Action::Plan);
    wait_for_identity(&mut app);
    let open = dialog(&app);
    assert_eq!(open.focus, Focus::Cancel, "the dialog opens on Cancel");
    assert_eq!(open.plan.steps.len(), 1);

    // Every key the keymap knows, typed characters, and Enter on Cancel: none of them
    // applies anything.
    let mut tries: Vec<Action> = BINDABLE.iter().map(|(_, a)| a.clone()).collect();
    tries.extend("y yes apply 1\n".chars().map(Action::InputChar));
    tries.extend([
        Action::InputSubmit,
        Action::InputBackspace,
        Action::InputCancel,
        Action::RunCommand("apply".into()),
    ]);
    for action in tries {
        app.state.mode = Mode::ConfirmApply(Box::new(open.clone()));
        let effects = update(&mut app.state, action.clone());
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::ApplyPlan { .. })),
            "{action:?} applied the plan"
        );
    }
    // Enter alone cancels.
    app.state.mode = Mode::ConfirmApply(Box::new(open.clone()));
    assert!(update(&mut app.state, Action::InputSubmit).is_empty());
    assert_eq!(app.state.mode, Mode::Normal);
    // Esc cancels and changes nothing.
    app.state.mode = Mode::ConfirmApply(Box::new(open.clone()));
    assert!(update(&mut app.state, Action::InputCancel).is_empty());
    assert_eq!(app.state.mode, Mode::Normal);
    assert!(app.state.apply.run.is_none());
    // ctrl-c in the dialog cancels it (elsewhere it quits).
    app.state.mode = Mode::ConfirmApply(Box::new(open.clone()));
    let ctrl_c = ratatui::crossterm::event::KeyEvent::new(
        ratatui::crossterm::event::KeyCode::Char('c'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    );
    assert_eq!(app.action_for_key(ctrl_c), Some(Action::InputCancel));

    // The confirm action: focus Apply, then Enter. What runs is what was shown.
    app.state.mode = Mode::ConfirmApply(Box::new(open.clone()));
    update(&mut app.state, Action::FocusRight);
    let effects = update(&mut app.state, Action::InputSubmit);
    match effects.as_slice() {
        [Effect::ApplyPlan { plan, identity }] => {
            assert_eq!(**plan, open.plan);
            assert!(identity.contains("simulated"), "{identity}");
        }
        other => panic!("expected the apply effect, got {other:?}"),
    }
}

#[test]
fn deletes_need_the_count_typed() {
    let (_dir, _path, mut app) = own_demo(Access::ReadWrite);
    select(&mut app, Rule::OldSnapshot);
    app.dispatch(Action::Mark);
    select(&mut app, Rule::UnassociatedEip);
    app.dispatch(Action::Mark);
    assert_eq!(app.state.marked.len(), 2);
    app.dispatch(Action::Plan);
    wait_for_identity(&mut app);
    let open = dialog(&app);
    assert!(matches!(
        &open.confirmation,
        costscope::domain::remediation::Confirmation::Type { text, .. } if text == "2"
    ));
    app.dispatch(Action::FocusRight);
    app.dispatch(Action::InputSubmit);
    assert!(
        matches!(app.state.mode, Mode::ConfirmApply(_)),
        "not typed yet"
    );
    assert!(app.state.apply.run.is_none());
    app.dispatch(Action::InputChar('3'));
    app.dispatch(Action::InputSubmit);
    assert!(app.state.apply.run.is_none(), "wrong count");
    app.dispatch(Action::InputBackspace);
    app.dispatch(Action::InputChar('2'));
    app.dispatch(Action::InputSubmit);
    assert_eq!(app.state.mode, Mode::ApplyProgress);
    wait_for_run(&mut app);
}

#[test]
fn read_only_mode_cannot_plan_or_apply() {
    let (_dir, path, mut app) = own_demo(Access::ReadOnly);
    select(&mut app, Rule::IdleEc2);
    app.dispatch(Action::Mark);
    let effects = update(&mut app.state, Action::Plan);
    assert!(effects.is_empty(), "{effects:?}");
    let (_, message) = app.state.message.clone().unwrap();
    assert!(message.contains("read-only"), "{message}");
    assert_eq!(app.state.mode, Mode::Normal);
    let text = common::screen_text(&app, 140, 45);
    assert!(text.contains("READ-ONLY"), "the status bar says so");
    assert!(AuditLog::open_for(&Store::open(&path).unwrap())
        .unwrap()
        .entries(None)
        .unwrap()
        .is_empty());
}

#[test]
fn a_simulated_run_applies_verifies_and_audits_each_step() {
    let (_dir, path, mut app) = own_demo(Access::ReadWrite);
    let instance = select(&mut app, Rule::IdleEc2);
    app.dispatch(Action::Mark);
    let volume = select(&mut app, Rule::Gp2Volume);
    app.dispatch(Action::Mark);
    app.dispatch(Action::Plan);
    wait_for_identity(&mut app);
    insta::assert_snapshot!("confirm_dialog", common::screen_text_lines(&app, 140, 45));
    let text = common::screen_text(&app, 140, 45);
    assert!(
        text.contains("SIMULATED"),
        "the dialog says it is simulated"
    );
    assert!(text.contains("ec2:StopInstances"), "the call is shown");
    assert!(text.contains("ec2:ModifyVolume"), "the call is shown");
    assert!(text.contains("Cancel") && text.contains("Apply"));
    app.dispatch(Action::NextView);
    app.dispatch(Action::InputSubmit);
    wait_for_run(&mut app);
    let run = app.state.apply.run.clone().unwrap();
    assert_eq!(run.phases, ["verified", "verified"], "{run:?}");
    assert!(app.state.marked.is_empty());

    let store = Store::open(&path).unwrap();
    let all = store
        .findings(&FindingFilter {
            all: true,
            ..FindingFilter::default()
        })
        .unwrap();
    for id in [instance, volume] {
        assert_eq!(
            all.iter().find(|t| t.id == id).unwrap().status,
            FindingStatus::Applied
        );
    }
    let entries = AuditLog::open_for(&store).unwrap().entries(None).unwrap();
    assert!(entries.iter().all(|e| e.simulated));
    for step in [0, 1] {
        let phases: Vec<AuditPhase> = entries
            .iter()
            .filter(|e| e.step == Some(step))
            .map(|e| e.phase)
            .collect();
        assert_eq!(
            phases,
            [
                AuditPhase::Planned,
                AuditPhase::DryRun,
                AuditPhase::Intent,
                AuditPhase::Applied,
                AuditPhase::Verified
            ]
        );
    }
    // The audit view lists them.
    app.dispatch(Action::Back);
    app.dispatch(Action::Audit);
    assert_eq!(app.state.top().kind, ViewKind::Audit);
    let text = common::screen_text(&app, 140, 45);
    assert!(
        text.contains("verified") && text.contains("[simulated]"),
        "{text}"
    );
    // Filtered, the cursor moves over the entries shown, newest first.
    let all = app.state.visible.audit.len();
    app.dispatch(Action::Filter);
    for c in "verified".chars() {
        app.dispatch(Action::InputChar(c));
    }
    app.dispatch(Action::InputSubmit);
    let shown: Vec<_> = costscope::tui::selectors::audit(&app.state)
        .cloned()
        .collect();
    assert!(
        !shown.is_empty() && shown.len() < all,
        "{} of {all}",
        shown.len()
    );
    assert!(shown.iter().all(|e| e.phase.name().contains("verified")));
    assert!(shown.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    for _ in 0..all {
        app.dispatch(Action::Down);
    }
    assert_eq!(app.state.top().selected, shown.len() - 1);
    // Enter shows the entry under the cursor in full, with its account and request id.
    let last = shown.last().unwrap().clone();
    app.dispatch(Action::Enter);
    assert_eq!(app.state.top().kind, ViewKind::AuditEntry(last.id));
    let text = common::screen_text(&app, 140, 45);
    for expected in [
        format!("Audit entry {}", last.id),
        last.request_id.clone().unwrap_or_else(|| "none".into()),
        last.resource.clone(),
        last.identity.clone(),
    ] {
        assert!(text.contains(&expected), "{expected} not in {text}");
    }
    app.dispatch(Action::Back);
    assert_eq!(app.state.top().kind, ViewKind::Audit);
}

#[test]
fn the_undo_of_a_deleted_volume_names_the_snapshot_its_step_took() {
    let (_dir, path, mut app) = own_demo(Access::ReadWrite);
    let volume = select(&mut app, Rule::UnattachedVolume);
    app.dispatch(Action::Plan);
    wait_for_identity(&mut app);
    let typed = dialog(&app).plan.steps.len().to_string();
    for c in typed.chars() {
        app.dispatch(Action::InputChar(c));
    }
    app.dispatch(Action::FocusRight);
    app.dispatch(Action::InputSubmit);
    wait_for_run(&mut app);
    let store = Store::open(&path).unwrap();
    let entries = AuditLog::open_for(&store).unwrap().entries(None).unwrap();
    let resource = entries
        .iter()
        .find(|e| e.finding_id == Some(volume))
        .unwrap()
        .resource
        .clone();
    for phase in [AuditPhase::Applied, AuditPhase::Verified] {
        let entry = entries
            .iter()
            .find(|e| e.finding_id == Some(volume) && e.phase == phase)
            .unwrap_or_else(|| panic!("no {phase:?} entry: {entries:?}"));
        let undo = entry.undo.as_deref().unwrap();
        assert!(
            undo.contains(&format!("--snapshot-id snap-simulated-{resource}")),
            "{phase:?}: {undo}"
        );
    }
}

fn entry(plan: i64, step: u32, phase: AuditPhase) -> AuditEntry {
    AuditEntry {
        id: 0,
        at: common::stamp("2026-11-23T12:00:00Z"),
        plan,
        step: Some(step),
        finding_id: Some(1),
        account: "111111111111".into(),
        region: "us-east-1".into(),
        resource: "i-1".into(),
        action: "stop instance".into(),
        phase,
        identity: "arn:aws:iam::111111111111:user/ops".into(),
        detail: String::new(),
        request_id: None,
        undo: None,
        simulated: false,
        intent_id: None,
        reverify: false,
    }
}

fn closing(intent: i64, plan: i64, phase: AuditPhase) -> AuditEntry {
    AuditEntry {
        intent_id: Some(intent),
        ..entry(plan, 0, phase)
    }
}

#[test]
fn the_audit_log_is_its_own_append_only_file_that_outlives_a_rebuilt_cache() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.sqlite");
    let (store, _) = costscope::demo::prepare_cache(&path, common::params(6), |_, _| {}).unwrap();
    let log = AuditLog::open_for(&store).unwrap();
    assert_eq!(log.path(), dir.path().join("audit-demo.sqlite"));
    let mode = std::fs::metadata(log.path()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "owner-only, like the cache");

    let first = log
        .begin_plan(common::stamp("2026-11-23T12:00:00Z"), "ops", false, 1)
        .unwrap();
    let second = log
        .begin_plan(common::stamp("2026-11-23T12:05:00Z"), "ops", false, 1)
        .unwrap();
    assert_eq!(
        (first, second),
        (1, 2),
        "plan ids are allocated, never shared"
    );
    let intent = log
        .append(&entry(first, 0, AuditPhase::Intent), None)
        .unwrap();
    log.append(&closing(intent, first, AuditPhase::Applied), None)
        .unwrap();
    log.append(&closing(intent, first, AuditPhase::Verified), None)
        .unwrap();
    // The process died between this intent and its outcome.
    let died = log
        .append(&entry(second, 0, AuditPhase::Intent), None)
        .unwrap();
    let pending = log.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].intent.id, died);
    drop(log);

    // Rows cannot be changed or removed.
    let conn = rusqlite::Connection::open(dir.path().join("audit-demo.sqlite")).unwrap();
    for sql in [
        "UPDATE entries SET phase = 'verified'",
        "DELETE FROM entries",
        "DELETE FROM plans",
    ] {
        let err = conn.execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    drop(conn);

    // The next start says so.
    drop(store);
    let app = common::app_on(Store::open(&path).unwrap());
    let (_, message) = app.state.message.clone().expect("a warning at start");
    assert!(
        message.contains("RE-VERIFY") && message.contains("i-1") && message.contains("--reverify"),
        "{message}"
    );
    drop(app);

    // The cache is moved aside (as a corrupt one would be) and built anew: the log is
    // still there, whole.
    for suffix in ["", "-wal", "-shm"] {
        let from = format!("{}{suffix}", path.display());
        let _ = std::fs::rename(&from, format!("{from}.corrupt"));
    }
    let (store, stats) =
        costscope::demo::prepare_cache(&path, common::params(6), |_, _| {}).unwrap();
    assert!(stats.is_some(), "rebuilt");
    store.clear_scan_data().unwrap();
    let log = AuditLog::open_for(&store).unwrap();
    assert_eq!(log.entries(None).unwrap().len(), 4);
    assert_eq!(log.pending().unwrap().len(), 1);
}

#[test]
fn the_rows_a_cache_kept_itself_move_to_the_ledger_once_with_outcomes_paired() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org-o-abc.sqlite");
    let store = Store::open(&path).unwrap();
    drop(store);
    // What an earlier costscope wrote: into the cache's own audit_log table.
    let conn = rusqlite::Connection::open(&path).unwrap();
    for (plan, phase) in [
        (1, "intent"),
        (1, "applied"),
        (1, "verified"),
        (2, "intent"),
    ] {
        conn.execute(
            "INSERT INTO audit_log (at, plan, step, finding_id, account, region, resource,
                action, phase, identity, detail, request_id, undo, simulated)
             VALUES ('2026-11-01T10:00:00Z', ?1, 0, 5, '111111111111', 'us-east-1', 'vol-1',
                'modify volume to gp3', ?2, 'ops', '', NULL, NULL, 0)",
            rusqlite::params![plan, phase],
        )
        .unwrap();
    }
    drop(conn);

    let store = Store::open(&path).unwrap();
    let log = AuditLog::open_for(&store).unwrap();
    assert_eq!(log.path(), dir.path().join("audit-org-o-abc.sqlite"));
    let entries = log.entries(None).unwrap();
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[1].intent_id, Some(entries[0].id));
    assert_eq!(entries[2].intent_id, Some(entries[0].id));
    assert_eq!(entries[3].intent_id, None);
    let pending = log.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].intent.plan, 2);
    assert!(pending[0].record.is_none(), "an old intent has no record");
    drop(log);

    // Opened again: nothing copied twice, and new plans come after the old ones.
    let log = AuditLog::open_for(&store).unwrap();
    assert_eq!(log.entries(None).unwrap().len(), 4);
    assert_eq!(
        log.begin_plan(common::stamp("2026-12-01T09:00:00Z"), "ops", false, 1)
            .unwrap(),
        3
    );
}

#[test]
fn quitting_while_a_plan_runs_asks_then_stops_after_the_step_in_flight() {
    use costscope::tui::apply::ApplyRun;
    let (_dir, _path, mut app) = own_demo(Access::ReadWrite);
    let running = ApplyRun {
        steps: vec![("i-1".into(), "stop instance".into()); 3],
        phases: vec!["applying".into(), "waiting".into(), "waiting".into()],
        outcomes: vec![None; 3],
        finished: None,
    };
    app.state.apply.run = Some(running.clone());

    // The first q only asks.
    let effects = update(&mut app.state, Action::Quit);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(!app.state.should_quit);
    let (_, message) = app.state.message.clone().unwrap();
    assert!(message.contains("q again stops it"), "{message}");
    // The second one stops the plan after its step in flight, and then quits.
    let effects = update(&mut app.state, Action::Quit);
    assert_eq!(effects, [Effect::StopApply]);
    assert!(app.state.should_quit);
    assert!(
        app.state.apply_running(),
        "the step in flight is not abandoned"
    );

    // A signal does the same at once; with nothing running, q quits at once.
    app.state.should_quit = false;
    app.state.apply.quit_asked = false;
    assert_eq!(update(&mut app.state, Action::QuitNow), [Effect::StopApply]);
    app.state.apply.run = Some(ApplyRun {
        finished: Some("done".into()),
        ..running
    });
    app.state.should_quit = false;
    assert_eq!(update(&mut app.state, Action::Quit), [Effect::Quit]);
}

#[test]
fn the_dialog_names_the_role_that_acts_in_each_member_account() {
    let (_dir, _path, mut app) = own_demo(Access::ReadWrite);
    select(&mut app, Rule::IdleEc2);
    app.dispatch(Action::Plan);
    wait_for_identity(&mut app);
    let account = dialog(&app).plan.steps[0].account.clone();
    let role = format!(
        "arn:aws:sts::{account}:assumed-role/OrganizationAccountAccessRole/costscope-apply"
    );
    // As the AWS backend answers for a member account (the demo's simulation acts as
    // one identity everywhere, so the dialog has nothing more to say there).
    app.dispatch(Action::ApplyIdentity(Ok(costscope::remediate::Acting {
        caller: "arn:aws:iam::111111111111:user/ops".into(),
        accounts: vec![(account.clone(), Ok(role.clone()))],
    })));
    let text = common::screen_text(&app, 140, 45);
    assert!(
        text.contains("arn:aws:iam::111111111111:user/ops"),
        "{text}"
    );
    assert!(text.contains(&role), "{text}");
    app.dispatch(Action::ApplyIdentity(Ok(costscope::remediate::Acting {
        caller: "arn:aws:iam::111111111111:user/ops".into(),
        accounts: vec![(account, Err("access denied for AssumeRole".into()))],
    })));
    let text = common::screen_text(&app, 140, 45);
    assert!(
        text.contains("nobody: access denied for AssumeRole"),
        "{text}"
    );
}

#[test]
fn the_dialog_counts_marked_findings_not_shown_from_the_list_and_from_a_detail() {
    let (_dir, _path, mut app) = own_demo(Access::ReadWrite);
    let instance = select(&mut app, Rule::IdleEc2);
    app.dispatch(Action::Mark);
    select(&mut app, Rule::UnassociatedEip);
    app.dispatch(Action::Mark);
    // A filter that keeps only idle-ec2 rows hides the marked address.
    app.dispatch(Action::Filter);
    for c in "idle-ec2".chars() {
        app.dispatch(Action::InputChar(c));
    }
    app.dispatch(Action::InputSubmit);
    app.dispatch(Action::Plan);
    wait_for_identity(&mut app);
    assert_eq!(dialog(&app).plan.steps.len(), 2);
    assert_eq!(dialog(&app).hidden_marked, 1);
    assert!(common::screen_text(&app, 140, 45).contains("1 marked finding not shown"));
    app.dispatch(Action::InputCancel);

    // From the detail of one of them, the other is not shown.
    app.dispatch(Action::Top);
    while costscope::tui::findings::selected_finding(&app.state).map(|t| t.id) != Some(instance) {
        app.dispatch(Action::Down);
    }
    app.dispatch(Action::Enter);
    app.dispatch(Action::Plan);
    wait_for_identity(&mut app);
    assert_eq!(dialog(&app).hidden_marked, 1);
    assert_eq!(
        dialog(&app).plan.steps.len(),
        2,
        "both marked findings are planned"
    );
}

#[test]
fn the_tui_re_reads_steps_left_pending_at_start_and_closes_what_the_re_read_settles() {
    use costscope::domain::audit::IntentRecord;
    use costscope::domain::inventory::Volume;
    use costscope::domain::remediation::Observed;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.sqlite");
    let (store, _) = costscope::demo::prepare_cache(&path, common::params(24), |_, _| {}).unwrap();
    let gp2 = store
        .findings(&FindingFilter {
            rule: Some(Rule::Gp2Volume),
            ..FindingFilter::default()
        })
        .unwrap()
        .remove(0);
    let plan =
        costscope::remediate::plan::plan_findings(&store, &[gp2.id], &PlanOptions::default())
            .unwrap();
    let step = plan.steps[0].clone();
    let data = store
        .resource_data(&step.account, "ebs-volume", &step.resource)
        .unwrap()
        .unwrap();
    let mut volume: Volume = serde_json::from_str(&data).unwrap();
    // An earlier run wrote its intent and died before any outcome.
    let log = AuditLog::open_for(&store).unwrap();
    let plan_id = log
        .begin_plan(common::stamp("2026-11-20T08:00:00Z"), "ops", true, 1)
        .unwrap();
    let intent = AuditEntry {
        plan: plan_id,
        finding_id: Some(step.finding_id),
        account: step.account.clone(),
        region: step.region.clone(),
        resource: step.resource.clone(),
        action: step.change.verb().into(),
        simulated: true,
        ..entry(plan_id, 0, AuditPhase::Intent)
    };
    let record = IntentRecord {
        step: step.clone(),
        before: Observed::Volume {
            volume: volume.clone(),
            modification: None,
        },
    };
    log.append(&intent, Some(&record)).unwrap();
    // ... and the change had landed: the volume is gp3 now.
    volume.volume_type = "gp3".into();
    store
        .set_resource_data(
            &step.account,
            "ebs-volume",
            &step.resource,
            Some(&serde_json::to_string(&volume).unwrap()),
        )
        .unwrap();
    drop((log, store));

    let mut app = common::app_on(Store::open(&path).unwrap())
        .with_applier(launcher(&path, Access::ReadWrite));
    assert!(app.wait_until(Duration::from_secs(20), |s| s
        .message
        .as_ref()
        .is_some_and(|(_, m)| m.starts_with("re-verified"))));
    let (_, message) = app.state.message.clone().unwrap();
    assert!(message.contains("1 step: 1 verified"), "{message}");
    let store = Store::open(&path).unwrap();
    assert!(AuditLog::open_for(&store)
        .unwrap()
        .pending()
        .unwrap()
        .is_empty());
    let status = store
        .findings(&FindingFilter {
            all: true,
            ..FindingFilter::default()
        })
        .unwrap()
        .into_iter()
        .find(|t| t.id == gp2.id)
        .unwrap()
        .status;
    assert_eq!(status, FindingStatus::Applied);
}

#[test]
fn an_unreadable_audit_log_is_said_and_the_costs_still_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.sqlite");
    let (store, _) = costscope::demo::prepare_cache(&path, common::params(6), |_, _| {}).unwrap();
    drop(store);
    std::fs::write(
        AuditLog::path_for(&path),
        "not a database at all, but not empty",
    )
    .unwrap();
    let app = common::app_on(Store::open(&path).unwrap());
    let (_, message) = app.state.message.clone().expect("said at start");
    assert!(
        message.contains("audit log") && message.contains("not an SQLite database"),
        "{message}"
    );
    assert!(!app.state.summary.months.is_empty(), "the costs are there");
}

#[test]
fn a_resource_two_rules_found_gets_one_step_and_its_saving_counts_once() {
    use costscope::domain::remediation::Change;
    let store = common::open_demo("remediate_flow");
    let of_rule = |rule| {
        store
            .findings(&FindingFilter {
                rule: Some(rule),
                ..FindingFilter::default()
            })
            .unwrap()
    };
    let unattached = of_rule(Rule::UnattachedVolume);
    let (gp2, delete) = of_rule(Rule::Gp2Volume)
        .into_iter()
        .find_map(|g| {
            let u = unattached
                .iter()
                .find(|u| u.finding.resource == g.finding.resource)?;
            Some((g, u.clone()))
        })
        .expect("the demo has an unattached gp2 volume");
    assert!(gp2.finding.saving.amount() < delete.finding.saving.amount());

    // Marked in either order, the delete is the one step; the conversion is refused.
    for ids in [[gp2.id, delete.id], [delete.id, gp2.id]] {
        let plan = costscope::remediate::plan::plan_findings(&store, &ids, &PlanOptions::default())
            .unwrap();
        assert_eq!(plan.steps.len(), 1, "{plan:?}");
        assert_eq!(plan.steps[0].finding_id, delete.id);
        assert_eq!(plan.steps[0].change, Change::SnapshotThenDeleteVolume);
        assert_eq!(plan.refused.len(), 1);
        assert_eq!(plan.refused[0].finding_id, gp2.id);
        assert!(
            plan.refused[0]
                .reason
                .contains(&format!("finding {} of this plan", delete.id)),
            "{}",
            plan.refused[0].reason
        );
        assert_eq!(
            plan.saving_label(),
            delete.finding.saving.per_month_label(),
            "the plan's saving is the delete's alone"
        );
    }
}

#[test]
fn a_plan_longer_than_the_dialog_says_which_lines_show_and_scrolls() {
    let (_dir, _path, mut app) = own_demo(Access::ReadWrite);
    app.dispatch(Action::Findings);
    for _ in 0..8 {
        app.dispatch(Action::Mark);
    }
    app.dispatch(Action::Plan);
    wait_for_identity(&mut app);
    let text = common::screen_text(&app, 100, 30);
    assert!(text.contains("lines 1–"), "no indicator: {text}");
    for _ in 0..3 {
        app.dispatch(Action::Down);
    }
    let text = common::screen_text(&app, 100, 30);
    assert!(text.contains("lines 4–"), "{text}");
}
