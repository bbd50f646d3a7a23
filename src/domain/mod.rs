//! Pure types and logic: no SDK, no UI, no runtime. The ports (`sources`) describe
//! asynchronous sources as traits that return futures; nothing here awaits.

pub mod alternatives;
pub mod audit;
pub mod call_prices;
pub mod cost;
pub mod coverage;
pub mod cur;
pub mod detail;
pub mod dimension;
pub mod exact;
pub mod export;
pub mod fees;
pub mod findings;
pub mod focus;
pub mod inventory;
pub mod line_table;
pub mod lookup;
pub mod money;
pub mod org;
pub mod period;
pub mod prices;
pub mod reconcile;
pub mod remediation;
pub mod resource_days;
pub mod rules;
pub mod scope;
pub mod sources;
pub mod stamp;
pub mod sync_plan;
pub mod tag_sets;
pub mod thresholds;
pub mod words;

pub use cost::{change_ratio, DailyPoint, DetailMetric, Granularity, Metric};
pub use money::Money;
pub use org::{Account, AccountStatus, OrgUnit, Organization};
pub use period::{DateRange, Month, RangePreset};
pub use scope::CostScope;
pub use sources::SourceError;
pub use stamp::Stamp;
