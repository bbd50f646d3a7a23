//! Pure types and logic: no SDK, no UI, no async.

pub mod audit;
pub mod cost;
pub mod findings;
pub mod inventory;
pub mod money;
pub mod org;
pub mod period;
pub mod prices;
pub mod remediation;
pub mod rules;
pub mod scope;
pub mod sync_plan;
pub mod thresholds;

pub use cost::{change_ratio, DailyPoint, Granularity, Metric};
pub use money::Money;
pub use org::{Account, AccountStatus, OrgUnit, Organization};
pub use period::{DateRange, Month, RangePreset};
pub use scope::CostScope;
