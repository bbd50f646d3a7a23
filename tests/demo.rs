//! The demo organization: deterministic, realistic in the ways the issue lists, and kept
//! apart from real caches.

mod common;

use chrono::{Datelike, Duration, Weekday};
use costscope::demo::{self, DemoOrganization, NEW_SERVICE};
use costscope::domain::{AccountStatus, DateRange, Metric, Money, Month};
use costscope::store::{CacheKind, Scope, Store, StoreError};

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_differs() {
    let dir = tempfile::tempdir().unwrap();
    let total = |seed: u64, name: &str| {
        let mut params = common::params(6);
        params.seed = seed;
        let (store, stats) =
            demo::prepare_cache(&dir.path().join(name), params, |_, _| {}).unwrap();
        assert!(stats.unwrap().rows > 0);
        let range = DateRange::new(
            Month::of(common::today()).offset(-13).first_day(),
            common::today(),
        );
        store
            .totals(Scope::Accounts, range, Metric::Unblended)
            .unwrap()
            .values()
            .copied()
            .sum::<Money>()
    };
    assert_eq!(total(7, "a.sqlite"), total(7, "b.sqlite"));
    assert_ne!(total(7, "c.sqlite"), total(8, "d.sqlite"));
}

#[test]
fn default_org_has_the_shape_of_a_real_one() {
    let store = common::open_demo("demo");
    let summary = store.summary().unwrap();
    assert_eq!(summary.kind, Some(CacheKind::Demo));
    // 13 full months plus the current month, data through yesterday.
    assert_eq!(summary.months.len(), 14);
    assert_eq!(
        summary.data_as_of,
        Some(common::today() - Duration::days(1))
    );
    assert!(summary.months.iter().rev().take(1).all(|m| !m.is_final));
    assert!(summary.months.iter().take(12).all(|m| m.is_final));

    let (org, keys) = store.organization().unwrap();
    assert!(org.accounts.len() >= 20);
    assert!(org.units.iter().filter(|u| u.parent_id.is_some()).count() >= 3);
    assert!(store.services().unwrap().len() >= 30);
    let unit_of_every_account_exists = org
        .accounts
        .iter()
        .all(|a| org.units.iter().any(|u| u.id == a.ou_id));
    assert!(unit_of_every_account_exists);

    // A closed account: suspended, and no spend after it closed.
    let (closed_index, _) = org
        .accounts
        .iter()
        .enumerate()
        .find(|(_, a)| a.status == AccountStatus::Suspended)
        .expect("a closed account");
    let last_month = Month::of(common::today()).offset(-1).range();
    let totals = store
        .totals(Scope::Accounts, last_month, Metric::Unblended)
        .unwrap();
    assert_eq!(
        totals.get(&keys[closed_index]).copied().unwrap_or_default(),
        Money::ZERO
    );
    let early = Month::of(common::today()).offset(-12).range();
    assert!(
        store
            .totals(Scope::Accounts, early, Metric::Unblended)
            .unwrap()[&keys[closed_index]]
            > Money::ZERO
    );

    // A new account that started mid-year: nothing before it joined, spend after.
    let newest = keys[keys.len() - 1];
    let series = store
        .daily_series(
            Some(newest),
            None,
            DateRange::new(early.start, common::today()),
            Metric::Unblended,
        )
        .unwrap();
    let first_day = series.first().unwrap().day;
    assert!(
        first_day > early.end && first_day < common::today() - Duration::days(90),
        "{first_day}"
    );
}

#[test]
fn costs_have_weekly_seasonality_spikes_and_a_new_service() {
    let store = common::open_demo("demo");
    let range = DateRange::new(
        common::today() - Duration::days(120),
        common::today() - Duration::days(1),
    );
    let daily = store
        .daily_series(None, None, range, Metric::Amortized)
        .unwrap();
    let mean = |weekend: bool| {
        let days: Vec<Money> = daily
            .iter()
            .filter(|p| matches!(p.day.weekday(), Weekday::Sat | Weekday::Sun) == weekend)
            .map(|p| p.amount)
            .collect();
        days.iter().copied().sum::<Money>().nanos() / days.len() as i64
    };
    assert!(mean(true) < mean(false) * 95 / 100, "weekends are cheaper");

    // One-day spikes: some account-service day is many times its neighbours.
    let services = store.services().unwrap();
    let (_, keys) = store.organization().unwrap();
    let transfer = services
        .iter()
        .find(|(_, n)| n == "AWS Data Transfer")
        .unwrap()
        .0;
    let spike_day = common::today() - Duration::days(41);
    let spiked = keys.iter().any(|&a| {
        let s = store
            .daily_series(
                Some(a),
                Some(transfer),
                DateRange::new(spike_day - Duration::days(1), spike_day),
                Metric::Unblended,
            )
            .unwrap();
        s.len() == 2 && s[1].amount.nanos() > s[0].amount.nanos() * 5
    });
    assert!(spiked, "a data-transfer spike on {spike_day}");

    // The new service appears only in the last two months.
    let bedrock = services.iter().find(|(_, n)| n == NEW_SERVICE).unwrap().0;
    let before = DateRange::new(
        Month::of(common::today()).offset(-13).first_day(),
        Month::of(common::today()).offset(-2).last_day(),
    );
    let after = DateRange::new(
        Month::of(common::today()).offset(-1).first_day(),
        common::today(),
    );
    let sum = |r| {
        store
            .totals(Scope::Services, r, Metric::Unblended)
            .unwrap()
            .get(&bedrock)
            .copied()
            .unwrap_or_default()
    };
    assert_eq!(sum(before), Money::ZERO);
    assert!(sum(after) > Money::ZERO);
}

#[test]
fn unblended_and_amortized_differ_by_day_but_agree_over_a_month() {
    let store = common::open_demo("demo");
    let month = Month::of(common::today()).offset(-2).range();
    let u = store
        .daily_series(None, None, month, Metric::Unblended)
        .unwrap();
    let a = store
        .daily_series(None, None, month, Metric::Amortized)
        .unwrap();
    assert!(
        u[0].amount > a[0].amount,
        "commitment fees land on the first day unblended"
    );
    let (su, sa): (Money, Money) = (
        u.iter().map(|p| p.amount).sum(),
        a.iter().map(|p| p.amount).sum(),
    );
    let diff = (su - sa).nanos().abs();
    assert!(diff * 1000 < sa.nanos(), "within 0.1%: {su} vs {sa}");
}

#[test]
fn demo_never_overwrites_a_real_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("real.sqlite");
    let store = Store::open(&path).unwrap();
    store.set_meta("kind", "aws").unwrap();
    drop(store);
    let err = demo::prepare_cache(&path, common::params(3), |_, _| {})
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::NotDemo(_)), "{err}");
    assert_eq!(
        Store::open(&path).unwrap().summary().unwrap().months.len(),
        0
    );
}

#[test]
fn a_prepared_demo_is_reused_when_parameters_match() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.sqlite");
    let (_, first) = demo::prepare_cache(&path, common::params(3), |_, _| {}).unwrap();
    let (_, again) = demo::prepare_cache(&path, common::params(3), |_, _| {}).unwrap();
    let (_, bigger) = demo::prepare_cache(&path, common::params(4), |_, _| {}).unwrap();
    assert!(first.is_some());
    assert!(again.is_none());
    assert!(bigger.is_some());
    let org = DemoOrganization::new(common::params(4)).org;
    assert_eq!(
        Store::open(&path)
            .unwrap()
            .organization()
            .unwrap()
            .0
            .accounts
            .len(),
        org.accounts.len()
    );
}
