//! A sync's progress on the command line: a bar over the months on a terminal, plain
//! lines (one per event) when stderr is a pipe or a log file.

use crate::sync::{Progress, SyncEvent};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};

pub struct SyncProgress {
    bar: Option<ProgressBar>,
    interactive: bool,
}

impl SyncProgress {
    pub fn for_stderr() -> SyncProgress {
        SyncProgress {
            bar: None,
            interactive: std::io::stderr().is_terminal(),
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            // A closed stderr (`2>&1 | head`) drops the line rather than panic.
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }
}

impl Progress for SyncProgress {
    fn event(&mut self, event: &SyncEvent) {
        match event {
            SyncEvent::Planned { months, .. } if self.interactive => {
                self.line(&event.to_string());
                let bar = ProgressBar::new(months.len() as u64);
                if let Ok(style) =
                    ProgressStyle::with_template("{bar:30} {pos}/{len} months  {msg} ({elapsed})")
                {
                    bar.set_style(style);
                }
                self.bar = Some(bar);
            }
            // On a terminal the bar shows which month is running; a log gets a line.
            SyncEvent::MonthStarted { month, .. } if self.interactive => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("fetching {month}"));
                }
            }
            SyncEvent::MonthLoaded { .. }
            | SyncEvent::MonthFailed { .. }
            | SyncEvent::MonthKept { .. } => {
                self.line(&event.to_string());
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
            }
            _ => self.line(&event.to_string()),
        }
    }
}
