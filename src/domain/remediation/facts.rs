//! What the operator reads before confirming: every fact of a step, and what the
//! confirmation asks for, in words. The TUI's dialog and the command line show the same.

use super::{Confirmation, PlanStep};

impl PlanStep {
    /// Label and value of everything the operator should read about one step.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        let step = self;
        let mut facts = vec![
            (
                "account",
                format!("{} ({})", step.account_name, step.account),
            ),
            ("region", step.region.clone()),
            ("resource", format!("{} — {}", step.resource, step.label)),
            ("action", step.change.verb().to_string()),
        ];
        facts.extend(step.api_calls().into_iter().map(|c| ("call", c)));
        facts.push((
            "saving",
            format!(
                "{} ({})",
                step.saving.per_month_label(),
                step.saving.basis()
            ),
        ));
        facts.push((
            "undo",
            step.undo()
                .unwrap_or_else(|| "cannot be undone".to_string()),
        ));
        facts.extend(
            step.checks()
                .into_iter()
                .map(|c| ("check first", c.to_string())),
        );
        if let Some(note) = step.notes() {
            facts.push(("note", note.to_string()));
        }
        facts
    }
}

impl Confirmation {
    /// What the confirmation asks for, in words.
    pub fn describe(&self) -> String {
        match self {
            Confirmation::Press => "confirm: move to [Apply] and press Enter".to_string(),
            Confirmation::Type { text, why } => {
                format!("confirm by typing {text:?}: {why}")
            }
        }
    }
}
