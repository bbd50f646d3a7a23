//! The columns of every sortable table: title, alignment, and the order each sorts
//! in first. The one table renderer and the sort keys read them.

/// A column of a sortable table: its title, whether it is right-aligned, and which way
/// it sorts first (names A to Z, amounts biggest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    pub right_aligned: bool,
    pub descending_first: bool,
}

impl Column {
    pub const fn text(title: &'static str) -> Column {
        Column {
            title,
            right_aligned: false,
            descending_first: false,
        }
    }

    pub const fn amount(title: &'static str) -> Column {
        Column {
            title,
            right_aligned: true,
            descending_first: true,
        }
    }
}

/// Columns of every cost table; sort keys cycle through them.
pub const COLUMNS: &[Column] = &[
    Column::text("Name"),
    Column::text("Detail"),
    Column::amount("Cost"),
    Column::amount("Previous"),
    // The change in dollars sorts by its size, up or down: the top movers first.
    Column::amount("Δ$"),
    Column::amount("Δ%"),
    Column {
        title: "Share",
        right_aligned: false,
        descending_first: true,
    },
];
pub const COST_COLUMN: usize = 2;

/// Columns of the findings table; sort keys cycle through them.
pub const FINDING_COLUMNS: &[Column] = &[
    Column::text("Rule"),
    Column::text("Account"),
    Column::text("Region"),
    Column::text("Resource"),
    Column::text("Evidence"),
    Column::amount("$/month"),
];
pub const SAVING_COLUMN: usize = 5;
