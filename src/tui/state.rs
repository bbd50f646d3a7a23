//! The app state: a view stack over one shared time range, metric and granularity.

use super::model::ViewData;
pub use super::scan_state::{ScanEstimate, ScanRun, ScanStatus};
pub use super::sync_state::{SyncRun, SyncStatus};
use crate::config::{Config, Keymap, Theme};
use crate::domain::{
    DateRange, DetailMetric, Granularity, Metric, Month, Organization, RangePreset,
};
use crate::store::{AccountKey, CacheSummary, ServiceKey};
use chrono::NaiveDate;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewKind {
    Overview,
    Accounts,
    /// The accounts of one organizational unit (an index into the catalog's units).
    UnitAccounts(usize),
    Services,
    AccountServices(AccountKey),
    ServiceAccounts(ServiceKey),
    Series {
        account: Option<AccountKey>,
        service: Option<ServiceKey>,
    },
    /// The optimizer's findings.
    Findings,
    /// One finding's detail and evidence.
    Finding(i64),
    /// One dimension's rows under a filter, from what line-item sources keep past the
    /// service (region, usage type, resource, tags).
    Breakdown(Breakdown),
    /// One resource's daily cost over the last days the cache keeps per resource (its
    /// `dims` key; the view's `chosen` names it).
    ResourceDays(i64),
    /// Cost Explorer against an export, month by month and account by account.
    Reconcile,
    /// The remediation audit log.
    Audit,
    /// One entry of the audit log in full (by its id).
    AuditEntry(i64),
}

/// A cost list of one dimension (`by`) under a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Breakdown {
    pub filter: crate::domain::dimension::DetailFilter,
    pub by: crate::domain::dimension::Dimension,
}

impl ViewKind {
    /// The organization broken down by `by`.
    pub const fn breakdown(by: crate::domain::dimension::Dimension) -> ViewKind {
        ViewKind::Breakdown(Breakdown {
            filter: crate::domain::dimension::DetailFilter::NONE,
            by,
        })
    }

    /// What this list is, as a breakdown: its filter and what its rows are. The views
    /// of accounts and services are breakdowns the daily rows answer.
    pub fn as_breakdown(self) -> Option<Breakdown> {
        use crate::domain::dimension::{DetailFilter, Dimension};
        let of = |filter, by| Some(Breakdown { filter, by });
        let none = DetailFilter::NONE;
        match self {
            ViewKind::Overview | ViewKind::Services => of(none, Dimension::Service),
            ViewKind::Accounts | ViewKind::UnitAccounts(_) => of(none, Dimension::Account),
            ViewKind::AccountServices(a) => {
                of(none.with(Dimension::Account, a), Dimension::Service)
            }
            ViewKind::ServiceAccounts(s) => {
                of(none.with(Dimension::Service, s), Dimension::Account)
            }
            ViewKind::Series { account, service } => of(
                DetailFilter {
                    account,
                    service,
                    ..none
                },
                Dimension::Day,
            ),
            ViewKind::Breakdown(b) => Some(b),
            _ => None,
        }
    }

    /// The view a breakdown is: the accounts and services lists where the daily rows
    /// answer it (every source has those), else a breakdown of the detail.
    pub fn from_breakdown(b: Breakdown) -> ViewKind {
        use crate::domain::dimension::{DetailFilter, Dimension};
        let f = b.filter;
        let only = |account: Option<i64>, service: Option<i64>| {
            f == DetailFilter {
                account,
                service,
                ..DetailFilter::NONE
            }
        };
        if b.by == Dimension::Day {
            return ViewKind::Series {
                account: f.account,
                service: f.service,
            };
        }
        match (b.by, f.account, f.service) {
            (Dimension::Account, None, None) if only(None, None) => ViewKind::Accounts,
            (Dimension::Service, None, None) if only(None, None) => ViewKind::Services,
            (Dimension::Service, Some(a), None) if only(Some(a), None) => {
                ViewKind::AccountServices(a)
            }
            (Dimension::Account, None, Some(s)) if only(None, Some(s)) => {
                ViewKind::ServiceAccounts(s)
            }
            _ => ViewKind::Breakdown(b),
        }
    }

    /// Whether the rows are days (or months) of one series.
    pub fn is_days(self) -> bool {
        matches!(self, ViewKind::Series { .. } | ViewKind::ResourceDays(_))
    }

    /// Whether the view draws cost data (a cache without months shows its own page).
    pub fn shows_costs(self) -> bool {
        !matches!(
            self,
            Self::Findings | Self::Finding(_) | Self::Audit | Self::AuditEntry(_) | Self::Reconcile
        )
    }
}

/// Which table of the overview has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OverviewFocus {
    #[default]
    Accounts,
    Services,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub descending: bool,
}

impl Sort {
    /// By `column` of `columns`, in the order that column reads first.
    pub fn by(columns: &[super::columns::Column], column: usize) -> Sort {
        Sort {
            column,
            descending: columns.get(column).is_some_and(|c| c.descending_first),
        }
    }

    /// The next (or previous) column, in its own first order.
    pub fn step(self, columns: &[super::columns::Column], forward: bool) -> Sort {
        let n = columns.len().max(1);
        let column = if forward {
            (self.column + 1) % n
        } else {
            (self.column + n - 1) % n
        };
        Sort::by(columns, column)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewState {
    pub kind: ViewKind,
    pub selected: usize,
    pub sort: Sort,
    pub filter: String,
    pub focus: OverviewFocus,
    /// The overview's chart has the cursor (up from the top of a list): the index of
    /// the day or month under it. Left and right move it; down gives the list it back.
    pub chart_cursor: Option<usize>,
    /// The name of the row this view was opened from (a breakdown's crumb).
    pub chosen: Option<String>,
}

impl ViewState {
    pub fn new(kind: ViewKind) -> ViewState {
        use super::columns::{COLUMNS, COST_COLUMN, FINDING_COLUMNS, SAVING_COLUMN};
        let sort = match kind {
            // Days read best in calendar order; everything else by cost, biggest first.
            ViewKind::Series { .. } | ViewKind::ResourceDays(_) => Sort::by(COLUMNS, 0),
            ViewKind::Findings | ViewKind::Finding(_) => Sort::by(FINDING_COLUMNS, SAVING_COLUMN),
            _ => Sort::by(COLUMNS, COST_COLUMN),
        };
        ViewState {
            kind,
            selected: 0,
            sort,
            filter: String::new(),
            focus: OverviewFocus::default(),
            chart_cursor: None,
            chosen: None,
        }
    }

    /// A view opened from a row named `chosen`.
    pub fn from_row(kind: ViewKind, chosen: &str) -> ViewState {
        ViewState {
            chosen: Some(chosen.to_string()),
            ..ViewState::new(kind)
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Filter,
    Command(String),
    Help {
        scroll: u16,
    },
    /// The refresh dialog: what a sync would fetch and cost, before it starts.
    ConfirmSync {
        months: Vec<Month>,
        estimate: crate::domain::sync_plan::RequestEstimate,
    },
    /// The scan dialog: what a scan would read and cost, before it starts.
    ConfirmScan(ScanEstimate),
    /// Dismissing finding `id`: the reason being typed.
    Dismiss {
        id: i64,
        reason: String,
    },
    /// The plan and its confirmation: nothing runs until Apply is chosen here.
    ConfirmApply(Box<super::apply_state::ConfirmDialog>),
    /// A plan's live progress (it keeps running if this is closed).
    ApplyProgress,
}

/// What the top view shows, computed by `selectors::refresh` when its data, filter,
/// sort or grouping change (never per frame).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visible {
    pub key: Option<VisibleKey>,
    /// The cost table's rows as shown: filtered, sorted, grouped.
    pub rows: Vec<super::model::TableRow>,
    /// Indices into the findings data, as the findings list shows them.
    pub findings: Vec<usize>,
    /// Each finding's searched fields, lowercased and joined once per data.
    pub finding_search: Vec<String>,
    /// Indices into the audit log's entries, newest first, as its view shows them.
    pub audit: Vec<usize>,
    /// The sums of the rows shown (a filtered list's title gives the filtered total);
    /// None when a row's amount is unknown.
    pub rows_total: Option<crate::domain::Money>,
    pub rows_previous: Option<crate::domain::Money>,
    /// What the comparison spreads over the rows shown.
    pub rows_spread: crate::domain::fees::Spread,
    /// The savings of the open findings shown, and the panels under the list.
    pub finding_totals: FindingTotals,
}

/// The findings list's sums. None where a sum does not fit (shown as unknown).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingTotals {
    pub shown_open: Option<crate::domain::findings::SavingsTotal>,
    /// Every open finding's saving by rule, and by account name (largest first).
    pub by_rule: Vec<(
        crate::domain::findings::Rule,
        crate::domain::findings::SavingsTotal,
    )>,
    pub by_account: Vec<(String, crate::domain::findings::SavingsTotal)>,
}

/// Everything the visible rows depend on.
#[derive(Debug, Clone, PartialEq)]
pub struct VisibleKey {
    pub data: u64,
    pub view: ViewKind,
    pub filter: String,
    pub sort: Sort,
    pub grouped: bool,
    pub focus: OverviewFocus,
}

/// What a reload reads besides the view: the months held, the meters of the last sync
/// and scan, the organization's names and the open findings by account and service.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheFacts {
    pub summary: crate::store::CacheSummary,
    pub last_sync_requests: Option<u64>,
    /// The Cost Explorer pages per month the last sync took.
    pub last_sync_pages: Option<crate::domain::sync_plan::PagesPerMonth>,
    pub ce_requests_this_month: u64,
    pub last_scan_metrics: Option<u64>,
    pub catalog: Catalog,
    pub finding_index: super::findings_data::FindingIndex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// Names of the organization's accounts and services, loaded once per reload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub org: Organization,
    /// Account key → index into `org.accounts`.
    pub account_index: HashMap<AccountKey, usize>,
    /// Account id → index into `org.accounts` (FxHash: the findings list looks up each
    /// of 64k findings' accounts at 5,000 accounts).
    pub by_id: rustc_hash::FxHashMap<String, usize>,
    pub services: Vec<(ServiceKey, String)>,
    /// The cloud of each account an imported FOCUS file named; the others are AWS.
    pub providers: HashMap<AccountKey, String>,
    /// The accounts come from more than one provider (so rows name theirs).
    pub mixed_providers: bool,
}

/// The provider of an account no file named: the AWS organization's.
const AWS: &str = "AWS";

impl Catalog {
    /// The provider an account's row names, when the accounts come from more than one.
    pub fn shown_provider(&self, key: AccountKey) -> Option<&str> {
        self.mixed_providers.then(|| self.provider(key))
    }

    fn provider(&self, key: AccountKey) -> &str {
        self.providers.get(&key).map_or(AWS, String::as_str)
    }

    /// "Root / Workloads / Production" for a unit's index, "" for none.
    pub fn unit_path(&self, unit: usize) -> String {
        self.org
            .units
            .get(unit)
            .map(|u| self.org.ou_path(&u.id))
            .unwrap_or_default()
    }

    /// The unit whose path an OU header shows.
    pub fn unit_at_path(&self, path: &str) -> Option<usize> {
        (0..self.org.units.len()).find(|&i| self.unit_path(i) == path)
    }

    pub fn new(
        org: Organization,
        keys: Vec<AccountKey>,
        services: Vec<(ServiceKey, String)>,
    ) -> Self {
        let account_index = keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
        let by_id = org
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i))
            .collect();
        Catalog {
            org,
            account_index,
            by_id,
            services,
            providers: HashMap::new(),
            mixed_providers: false,
        }
    }

    /// The same catalog, with the providers of imported accounts.
    pub fn with_providers(self, providers: HashMap<AccountKey, String>) -> Self {
        let mut catalog = Catalog { providers, ..self };
        let mut seen = catalog.account_index.keys().map(|&k| catalog.provider(k));
        let first = seen.next();
        catalog.mixed_providers = seen.any(|p| Some(p) != first);
        catalog
    }

    pub fn account(&self, key: AccountKey) -> Option<&crate::domain::Account> {
        self.account_index
            .get(&key)
            .and_then(|&i| self.org.accounts.get(i))
    }

    pub fn account_name(&self, key: AccountKey) -> String {
        self.account(key)
            .map_or_else(|| format!("account #{key}"), |a| a.name.clone())
    }

    /// The name of the account with this 12-digit id, or the id when it is not known.
    pub fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.by_id
            .get(id)
            .and_then(|&i| self.org.accounts.get(i))
            .map_or(id, |a| a.name.as_str())
    }

    pub fn service_name(&self, key: ServiceKey) -> String {
        self.services
            .iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| format!("service #{key}"), |(_, n)| n.clone())
    }

    pub fn account_keys(&self) -> impl Iterator<Item = AccountKey> + '_ {
        self.account_index.keys().copied()
    }
}

pub struct State {
    /// Never empty: the bottom is a top-level view.
    pub stack: Vec<ViewState>,
    pub range: RangePreset,
    pub metric: Metric,
    /// A list or contracted price chosen for the views past the service (the only ones
    /// whose rows keep prices); the daily views show `metric` meanwhile.
    pub detail_price: Option<DetailMetric>,
    pub granularity: Granularity,
    pub group_by_ou: bool,
    pub mode: Mode,
    pub today: NaiveDate,
    pub theme: Theme,
    pub keymap: Keymap,
    pub message: Option<(Severity, String)>,
    pub data: ViewData,
    /// Counts each new `data`, so the selectors know to recompute.
    pub data_version: u64,
    pub visible: Visible,
    pub catalog: Catalog,
    pub summary: CacheSummary,
    pub cache_label: String,
    pub sync: SyncStatus,
    pub scan: ScanStatus,
    /// Open findings by account and service, for the cost views.
    pub finding_index: super::findings_data::FindingIndex,
    /// The findings view lists dismissed and closed findings too.
    pub show_all_findings: bool,
    /// Findings marked with space, for the next plan.
    pub marked: std::collections::BTreeSet<i64>,
    pub apply: super::apply_state::ApplyStatus,
    pub size: (u16, u16),
    pub should_quit: bool,
}

impl State {
    pub fn new(config: &Config, theme: Theme, keymap: Keymap, today: NaiveDate) -> State {
        State {
            stack: vec![ViewState::new(ViewKind::Overview)],
            range: config.range,
            metric: config.metric,
            detail_price: None,
            granularity: config.granularity,
            group_by_ou: config.group_by_ou,
            mode: Mode::Normal,
            today,
            theme,
            keymap,
            message: None,
            data: ViewData::Empty,
            data_version: 0,
            visible: Visible::default(),
            catalog: Catalog::default(),
            summary: CacheSummary {
                kind: None,
                months: Vec::new(),
                data_as_of: None,
            },
            cache_label: String::new(),
            sync: SyncStatus::default(),
            scan: ScanStatus::default(),
            finding_index: Default::default(),
            show_all_findings: false,
            marked: Default::default(),
            apply: Default::default(),
            size: (80, 24),
            should_quit: false,
        }
    }

    /// Whether a plan is being applied right now.
    pub fn apply_running(&self) -> bool {
        self.apply
            .run
            .as_ref()
            .is_some_and(super::apply_state::ApplyRun::is_running)
    }

    /// What the breakdowns past the service sum.
    pub fn detail_metric(&self) -> DetailMetric {
        self.detail_price.unwrap_or(DetailMetric::Cost(self.metric))
    }

    /// What the view on top sums: a price only where the view can show one.
    pub fn shown_metric(&self) -> DetailMetric {
        match self.top().kind {
            ViewKind::Breakdown(_) => self.detail_metric(),
            _ => DetailMetric::Cost(self.metric),
        }
    }

    /// Chooses what to sum: a price applies to the breakdowns past the service, a metric
    /// to every view.
    pub fn choose_metric(&mut self, chosen: DetailMetric) {
        match chosen {
            DetailMetric::Cost(metric) => {
                self.metric = metric;
                self.detail_price = None;
            }
            price => self.detail_price = Some(price),
        }
    }

    pub fn top(&self) -> &ViewState {
        // The stack is never empty (pop keeps the last view), so this cannot fail.
        &self.stack[self.stack.len() - 1]
    }

    pub fn top_mut(&mut self) -> &mut ViewState {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    pub fn range(&self) -> DateRange {
        self.range.resolve(self.today)
    }

    pub fn previous_range(&self) -> DateRange {
        self.range.previous(self.today)
    }

    pub fn is_demo(&self) -> bool {
        self.summary.kind == Some(crate::store::CacheKind::Demo)
    }

    /// "Accounts › payments-prod › Amazon Simple Storage Service".
    pub fn breadcrumbs(&self) -> Vec<String> {
        let mut crumbs = Vec::new();
        let mut parent: Option<ViewKind> = None;
        for view in &self.stack {
            crumbs.push(match view.kind {
                ViewKind::Overview => "Overview".to_string(),
                ViewKind::Accounts => "Accounts".to_string(),
                ViewKind::UnitAccounts(unit) => self.catalog.unit_path(unit),
                ViewKind::Services => "Services".to_string(),
                ViewKind::AccountServices(a) => self.catalog.account_name(a),
                ViewKind::ServiceAccounts(s) => self.catalog.service_name(s),
                // The last crumb names what was chosen in the view before.
                ViewKind::Series { account, service } => match (parent, account, service) {
                    (Some(ViewKind::ServiceAccounts(_)), Some(a), _) => {
                        self.catalog.account_name(a)
                    }
                    (_, _, Some(s)) => self.catalog.service_name(s),
                    (_, Some(a), None) => self.catalog.account_name(a),
                    (_, None, None) => "Organization".to_string(),
                },
                ViewKind::Breakdown(b) => match &view.chosen {
                    Some(chosen) => format!("{chosen} · {}", b.by.plural()),
                    None => capitalized(b.by.plural()),
                },
                ViewKind::ResourceDays(_) => {
                    format!("{} · days", view.chosen.as_deref().unwrap_or("resource"))
                }
                ViewKind::Findings => "Findings".to_string(),
                ViewKind::Finding(id) => format!("finding {id}"),
                ViewKind::Audit => "Audit log".to_string(),
                ViewKind::Reconcile => "Reconcile".to_string(),
                ViewKind::AuditEntry(id) => format!("entry {id}"),
            });
            parent = Some(view.kind);
        }
        crumbs
    }

    /// Whether a month the range touches came with the detail past the service (so
    /// Enter on a service goes on to its usage types).
    pub fn detail_in_range(&self) -> bool {
        let (first, last) = crate::domain::dimension::month_span(self.range());
        self.summary
            .months
            .iter()
            .any(|m| m.month >= first && m.month <= last && m.detail_known)
    }

    pub fn page_size(&self) -> usize {
        usize::from(self.size.1.saturating_sub(12)).max(1)
    }
}

/// "Usage types".
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
