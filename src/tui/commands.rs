//! The `:` commands as data: one table drives the parser, the help page and the text
//! of an unknown command. A new command is one row here and one arm in `update`; a
//! command that only opens a view is one row (`Command::Open`) and no arm.

use super::state::ViewKind;
use crate::domain::dimension::Dimension;

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
        name: "regions",
        aliases: &["region", "reg"],
        args: "",
        help: "open the cost by region (exports and FOCUS files)",
        command: Command::Open(ViewKind::breakdown(Dimension::Region)),
    },
    CommandSpec {
        name: "usage",
        aliases: &["usage-types", "ut"],
        args: "",
        help: "open the cost by usage type (exports and FOCUS files)",
        command: Command::Open(ViewKind::breakdown(Dimension::UsageType)),
    },
    CommandSpec {
        name: "charges",
        aliases: &["charge", "charge-types"],
        args: "",
        help: "open the cost by charge type: usage, credits, tax, fees (exports and FOCUS files)",
        command: Command::Open(ViewKind::breakdown(Dimension::Charge)),
    },
    CommandSpec {
        name: "resources",
        aliases: &["resource", "res"],
        args: "",
        help: "open the cost by resource, with its findings (exports and FOCUS files)",
        command: Command::Open(ViewKind::breakdown(Dimension::Resource)),
    },
    CommandSpec {
        name: "tags",
        aliases: &["tag"],
        args: "",
        help: "open the cost by tag key, then value, with the untagged rest",
        command: Command::Open(ViewKind::breakdown(Dimension::TagKey)),
    },
    CommandSpec {
        name: "reconcile",
        aliases: &["rec"],
        args: "",
        help: "Cost Explorer against the export, month by month and account by account",
        command: Command::Open(ViewKind::Reconcile),
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
        args: "unblended|amortized|list|contracted",
        help: "choose the cost metric (list and contracted: past the service)",
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

/// What Tab makes of a command line: the line completed as far as it is unambiguous,
/// and the choices left when there are several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub line: String,
    pub choices: Vec<String>,
}

/// The values an argument of `command` may take, for Tab.
pub struct Completable<'a> {
    pub accounts: Vec<&'a str>,
    pub services: Vec<&'a str>,
    pub themes: Vec<&'a str>,
}

/// Completes the command name, or (after it) the account, service, range, metric or
/// theme being typed: names that start with what is typed, else that contain it.
pub fn complete(line: &str, values: &Completable) -> Completion {
    let Some((verb, arg)) = line.split_once(' ') else {
        let names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
        return finish("", line, &names, true);
    };
    let arg = arg.trim_start();
    let ranges = ["mtd", "last-month", "30d", "90d", "13m"];
    let metrics = ["unblended", "amortized", "list", "contracted"];
    let pool: &[&str] = match lookup(verb).map(|c| c.command) {
        Some(Command::Account) => &values.accounts,
        Some(Command::Service) => &values.services,
        Some(Command::Theme) => &values.themes,
        Some(Command::Range) => &ranges,
        Some(Command::Metric) => &metrics,
        _ => &[],
    };
    finish(&format!("{verb} "), arg, pool, false)
}

fn finish(lead: &str, typed: &str, pool: &[&str], add_space: bool) -> Completion {
    let lower = typed.to_lowercase();
    let starting: Vec<&str> = pool
        .iter()
        .copied()
        .filter(|c| c.to_lowercase().starts_with(&lower))
        .collect();
    let matching = if starting.is_empty() {
        pool.iter()
            .copied()
            .filter(|c| c.to_lowercase().contains(&lower))
            .collect()
    } else {
        starting
    };
    match matching.as_slice() {
        [] => Completion {
            line: format!("{lead}{typed}"),
            choices: Vec::new(),
        },
        [one] => Completion {
            line: format!("{lead}{one}{}", if add_space { " " } else { "" }),
            choices: Vec::new(),
        },
        many => {
            let common = common_prefix(many);
            let line = if common.chars().count() >= typed.chars().count() {
                format!("{lead}{common}")
            } else {
                format!("{lead}{typed}")
            };
            Completion {
                line,
                choices: many.iter().map(|c| c.to_string()).collect(),
            }
        }
    }
}

/// The longest start all of `names` share, compared without case (kept as the first
/// name writes it).
fn common_prefix(names: &[&str]) -> String {
    let first: Vec<char> = names[0].chars().collect();
    let mut len = first.len();
    for name in &names[1..] {
        let same = name
            .chars()
            .zip(&first)
            .take_while(|(a, b)| a.to_lowercase().eq(b.to_lowercase()))
            .count();
        len = len.min(same);
    }
    first[..len].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Completable<'static> {
        Completable {
            accounts: vec!["catalog-prod", "catalog-dev", "payments-prod"],
            services: vec![
                "Amazon Simple Storage Service",
                "Amazon SageMaker",
                "AWS Lambda",
            ],
            themes: vec!["default", "light", "high-contrast"],
        }
    }

    #[test]
    fn tab_completes_commands_and_their_arguments_as_far_as_they_agree() {
        let v = values();
        assert_eq!(complete("sy", &v).line, "sync ");
        let many = complete("s", &v);
        assert!(many.choices.contains(&"scan".to_string()) && many.choices.len() > 2);
        assert_eq!(complete("account pay", &v).line, "account payments-prod");
        let catalog = complete("account cat", &v);
        assert_eq!(catalog.line, "account catalog-");
        assert_eq!(catalog.choices, ["catalog-prod", "catalog-dev"]);
        assert_eq!(complete("acc lamb", &v).line, "acc lamb", "accounts only");
        assert_eq!(complete("service lamb", &v).line, "service AWS Lambda");
        assert_eq!(complete("service amazon s", &v).line, "service Amazon S");
        assert_eq!(complete("range l", &v).line, "range last-month");
        assert_eq!(complete("theme hi", &v).line, "theme high-contrast");
        assert_eq!(complete("zzz", &v).line, "zzz");
    }

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
