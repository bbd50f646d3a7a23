//! The flags that only some commands take. Each subcommand lists the groups it uses,
//! so its `--help` shows only those; the same flags before the subcommand
//! (`costscope --profile ops sync`) are carried to it, and refused where it has no use
//! for them rather than silently ignored.

use super::AppError;

/// How the TUI looks.
#[derive(Debug, Default, clap::Args)]
pub struct TuiFlags {
    /// Theme: default, light, high-contrast, or a file in the config's themes/ directory
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
}

/// Who reads AWS.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct AwsFlags {
    /// AWS profile from the shared config files (default: the standard chain)
    #[arg(long)]
    pub profile: Option<String>,

    /// AWS region for the API clients
    #[arg(long)]
    pub region: Option<String>,
}

/// Whether anything may be applied, and who applies it.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ApplyFlags {
    /// Never change anything in AWS: applying is refused everywhere (also [apply]
    /// read_only in the config)
    #[arg(long)]
    pub read_only: bool,

    /// AWS profile that applies remediations (default: [apply] profile, else the
    /// reading profile); lets reading use a read-only identity
    #[arg(long, value_name = "PROFILE")]
    pub apply_profile: Option<String>,
}

/// The flags given before the subcommand (or with none, for the TUI).
#[derive(Debug, Default, clap::Args)]
pub struct RootFlags {
    #[command(flatten)]
    pub tui: TuiFlags,
    #[command(flatten)]
    pub aws: AwsFlags,
    #[command(flatten)]
    pub apply: ApplyFlags,
}

impl TuiFlags {
    /// This command's own value wins over the one given before the subcommand.
    pub fn absorb(&mut self, root: &mut TuiFlags) {
        take_unless_set(&mut self.theme, &mut root.theme);
    }
}

impl AwsFlags {
    pub fn absorb(&mut self, root: &mut AwsFlags) {
        take_unless_set(&mut self.profile, &mut root.profile);
        take_unless_set(&mut self.region, &mut root.region);
    }
}

impl ApplyFlags {
    /// Read-only from either place holds: it only ever takes power away.
    pub fn absorb(&mut self, root: &mut ApplyFlags) {
        self.read_only |= std::mem::take(&mut root.read_only);
        take_unless_set(&mut self.apply_profile, &mut root.apply_profile);
    }
}

impl RootFlags {
    /// Refuses the flags before `command` that it has not taken.
    pub fn refuse_leftovers(&self, command: &str) -> Result<(), AppError> {
        let given = [
            ("--theme", self.tui.theme.is_some()),
            ("--profile", self.aws.profile.is_some()),
            ("--region", self.aws.region.is_some()),
            ("--read-only", self.apply.read_only),
            ("--apply-profile", self.apply.apply_profile.is_some()),
        ];
        match given.iter().find(|(_, set)| *set) {
            Some((flag, _)) => Err(AppError::FlagNotTaken {
                flag,
                command: command.to_string(),
            }),
            None => Ok(()),
        }
    }
}

fn take_unless_set(own: &mut Option<String>, root: &mut Option<String>) {
    let before = root.take();
    if own.is_none() {
        *own = before;
    }
}
