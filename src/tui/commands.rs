//! The `:` commands as data: one table drives the parser, the help page and the text
//! of an unknown command. A new command is one row here and one arm in `update`; a
//! command that only opens a view is one row (`Command::Open`) and no arm.

use super::state::ViewKind;

/// What a command line asks for; its argument (if any) is read by `update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Quit,
    Help,
    /// Opens a view at the root of the stack; needs no arm of its own in `update`.
    Open(ViewKind),
    /// Without an argument the accounts list; with one, that account's services.
    Account,
    /// Without an argument the services list; with one, that service's accounts.
    Service,
    Range,
    Metric,
    Theme,
    Findings,
    Reverify,
    Sync,
    Scan,
    Reload,
}

pub struct CommandSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    /// How the arguments read in the help, "" for none.
    pub args: &'static str,
    pub help: &'static str,
    pub command: Command,
}

impl CommandSpec {
    /// ":name args", as the help shows it.
    pub fn usage(&self) -> String {
        if self.args.is_empty() {
            format!(":{}", self.name)
        } else {
            format!(":{} {}", self.name, self.args)
        }
    }

    fn answers_to(&self, verb: &str) -> bool {
        self.name == verb || self.aliases.contains(&verb)
    }
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "overview",
        aliases: &["ov", "o"],
        args: "",
        help: "open the overview",
        command: Command::Open(ViewKind::Overview),
    },
    CommandSpec {
        name: "accounts",
        aliases: &["account", "acc", "a"],
        args: "[id|name]",
        help: "open the accounts, or one account's services",
        command: Command::Account,
    },
    CommandSpec {
        name: "services",
        aliases: &["service", "svc", "s"],
        args: "[name]",
        help: "open the services, or one service's accounts",
        command: Command::Service,
    },
    CommandSpec {
        name: "findings",
        aliases: &["finding", "f"],
        args: "[all]",
        help: "open the findings (all: dismissed and closed too)",
        command: Command::Findings,
    },
    CommandSpec {
        name: "audit",
        aliases: &["log"],
        args: "",
        help: "open the remediation audit log",
        command: Command::Open(ViewKind::Audit),
    },
    CommandSpec {
        name: "range",
        aliases: &[],
        args: "mtd|last-month|30d|90d|13m|YYYY-MM",
        help: "choose the time range",
        command: Command::Range,
    },
    CommandSpec {
        name: "metric",
        aliases: &[],
        args: "unblended|amortized",
        help: "choose the cost metric",
        command: Command::Metric,
    },
    CommandSpec {
        name: "theme",
        aliases: &[],
        args: "<name>",
        help: "switch theme (default, light, high-contrast, yours)",
        command: Command::Theme,
    },
    CommandSpec {
        name: "sync",
        aliases: &["refresh"],
        args: "",
        help: "sync costs from AWS in the background (shows the cost first)",
        command: Command::Sync,
    },
    CommandSpec {
        name: "scan",
        aliases: &[],
        args: "",
        help: "scan the inventory for findings in the background (shows what it reads first)",
        command: Command::Scan,
    },
    CommandSpec {
        name: "reverify",
        aliases: &[],
        args: "",
        help: "re-read the changes whose outcome is not confirmed (also done at start)",
        command: Command::Reverify,
    },
    CommandSpec {
        name: "reload",
        aliases: &[],
        args: "",
        help: "reload from the cache file",
        command: Command::Reload,
    },
    CommandSpec {
        name: "help",
        aliases: &["h"],
        args: "",
        help: "show the help",
        command: Command::Help,
    },
    CommandSpec {
        name: "q",
        aliases: &["q!", "quit", "exit"],
        args: "",
        help: "quit",
        command: Command::Quit,
    },
];

/// The command `verb` names (any case), if any.
pub fn lookup(verb: &str) -> Option<&'static CommandSpec> {
    let verb = verb.to_ascii_lowercase();
    COMMANDS.iter().find(|c| c.answers_to(&verb))
}

/// What to say for a verb no command answers to.
pub fn unknown(verb: &str) -> String {
    let names: Vec<String> = COMMANDS.iter().map(|c| format!(":{}", c.name)).collect();
    format!("unknown command :{verb} (try {})", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_and_alias_answers_to_one_command_only() {
        let mut seen = std::collections::HashSet::new();
        for spec in COMMANDS {
            for verb in std::iter::once(&spec.name).chain(spec.aliases) {
                assert!(seen.insert(*verb), ":{verb} is claimed twice");
                assert_eq!(lookup(verb).map(|c| c.command), Some(spec.command));
            }
        }
        assert_eq!(lookup("ACC").map(|c| c.command), Some(Command::Account));
        assert!(lookup("nope").is_none());
        assert!(unknown("nope").contains(":scan"));
    }
}
