//! The keymap is data: `assets/keymap.toml` is embedded, and a user `keymap.toml` may
//! rebind single actions. Every binding carries the description the help screen shows.

use super::ConfigError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use toml::Spanned;

pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// A key with its modifiers, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyChord {
    pub key: Key,
    pub ctrl: bool,
    pub alt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    F(u8),
}

const NAMED_KEYS: &[(&str, Key)] = &[
    ("enter", Key::Enter),
    ("esc", Key::Esc),
    ("tab", Key::Tab),
    ("backtab", Key::BackTab),
    ("backspace", Key::Backspace),
    ("up", Key::Up),
    ("down", Key::Down),
    ("left", Key::Left),
    ("right", Key::Right),
    ("pgup", Key::PageUp),
    ("pgdown", Key::PageDown),
    ("home", Key::Home),
    ("end", Key::End),
    ("space", Key::Char(' ')),
];

impl KeyChord {
    pub fn plain(key: Key) -> KeyChord {
        KeyChord {
            key,
            ctrl: false,
            alt: false,
        }
    }

    /// Parses "q", "G", "?", "ctrl-d", "alt-x", "enter", "pgdown", "f1", "shift-tab".
    pub fn parse(text: &str) -> Option<KeyChord> {
        let mut chord = KeyChord::plain(Key::Esc);
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                chord.ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                chord.alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        chord.key = match (chars.next(), chars.next()) {
            (Some(c), None) => Key::Char(c),
            _ if rest == "shift-tab" => Key::BackTab,
            _ => {
                let lower = rest.to_ascii_lowercase();
                if let Some(&(_, key)) = NAMED_KEYS.iter().find(|(name, _)| *name == lower) {
                    key
                } else {
                    let n: u8 = lower.strip_prefix('f')?.parse().ok()?;
                    (1..=12).contains(&n).then_some(Key::F(n))?
                }
            }
        };
        Some(chord)
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.key {
            Key::Char(' ') => f.write_str("space"),
            Key::Char(c) => write!(f, "{c}"),
            Key::F(n) => write!(f, "f{n}"),
            other => {
                let name = NAMED_KEYS
                    .iter()
                    .find(|(_, k)| *k == other)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub action: String,
    pub keys: Vec<KeyChord>,
    pub description: String,
    pub section: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultFile {
    binding: Vec<DefaultBinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultBinding {
    action: String,
    keys: Vec<Spanned<String>>,
    description: String,
    section: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserFile {
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
}

fn parse_keys(
    file: &Path,
    text: &str,
    keys: &[Spanned<String>],
) -> Result<Vec<KeyChord>, ConfigError> {
    keys.iter()
        .map(|k| {
            KeyChord::parse(k.get_ref()).ok_or_else(|| {
                ConfigError::at(
                    file,
                    text,
                    k.span().start,
                    format!(
                        "`{}` is not a key (try \"q\", \"ctrl-d\", \"enter\", \"f1\")",
                        k.get_ref()
                    ),
                )
            })
        })
        .collect()
}

/// The action that leaves costscope.
const QUIT: &str = "quit";

/// The key that always quits (outside the confirm dialog, where it cancels).
pub const CTRL_C: KeyChord = KeyChord {
    key: Key::Char('c'),
    ctrl: true,
    alt: false,
};

/// A user binding that could trap someone in the TUI: nothing left that quits, or
/// ctrl-c taken for another action.
fn refuse_harmful(
    file: &Path,
    text: &str,
    action: &Spanned<String>,
    keys: &Spanned<Vec<Spanned<String>>>,
    chords: &[KeyChord],
) -> Result<(), ConfigError> {
    if action.get_ref() == QUIT && chords.is_empty() {
        return Err(ConfigError::at(
            file,
            text,
            action.span().start,
            "`quit = []` leaves no key that quits; give it at least one (ctrl-c always quits too)",
        ));
    }
    if action.get_ref() != QUIT {
        if let Some(at) = chords.iter().position(|c| *c == CTRL_C) {
            return Err(ConfigError::at(
                file,
                text,
                keys.get_ref()[at].span().start,
                format!(
                    "ctrl-c always quits; it cannot be bound to `{}`",
                    action.get_ref()
                ),
            ));
        }
    }
    Ok(())
}

impl Keymap {
    /// The embedded default keymap. `known` lists the action names the app understands.
    pub fn defaults(known: &[&str]) -> Result<Keymap, ConfigError> {
        Keymap::parse_defaults(Path::new("assets/keymap.toml"), DEFAULT_KEYMAP, known)
    }

    pub fn parse_defaults(file: &Path, text: &str, known: &[&str]) -> Result<Keymap, ConfigError> {
        let raw: DefaultFile =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(file, text, &e))?;
        let mut bindings = Vec::new();
        for b in raw.binding {
            if !known.contains(&b.action.as_str()) {
                let at = text.find(&format!("\"{}\"", b.action)).unwrap_or(0);
                return Err(ConfigError::at(
                    file,
                    text,
                    at,
                    format!("unknown action `{}`", b.action),
                ));
            }
            bindings.push(Binding {
                keys: parse_keys(file, text, &b.keys)?,
                action: b.action,
                description: b.description,
                section: b.section,
            });
        }
        Ok(Keymap { bindings })
    }

    /// Applies a user keymap file: each action it names gets exactly the keys given, and
    /// those keys are taken away from any other action.
    pub fn apply_user_file(&mut self, file: &Path, text: &str) -> Result<(), ConfigError> {
        let raw: UserFile =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(file, text, &e))?;
        for (action, keys) in raw.keys {
            let chords = parse_keys(file, text, keys.get_ref())?;
            refuse_harmful(file, text, &action, &keys, &chords)?;
            if !self.bindings.iter().any(|b| &b.action == action.get_ref()) {
                let known: Vec<&str> = self.bindings.iter().map(|b| b.action.as_str()).collect();
                return Err(ConfigError::at(
                    file,
                    text,
                    action.span().start,
                    format!(
                        "unknown action `{}`; known actions: {}",
                        action.get_ref(),
                        known.join(", ")
                    ),
                ));
            }
            for binding in &mut self.bindings {
                if &binding.action == action.get_ref() {
                    binding.keys = chords.clone();
                } else {
                    binding.keys.retain(|k| !chords.contains(k));
                }
            }
        }
        // ctrl-c quits whatever the file says, and the help says so.
        if let Some(quit) = self.bindings.iter_mut().find(|b| b.action == QUIT) {
            if !quit.keys.contains(&CTRL_C) {
                quit.keys.push(CTRL_C);
            }
        }
        Ok(())
    }

    /// The action bound to `chord`, if any.
    pub fn action_for(&self, chord: &KeyChord) -> Option<&str> {
        self.bindings
            .iter()
            .find(|b| b.keys.contains(chord))
            .map(|b| b.action.as_str())
    }

    /// "j/down" style text of the keys of `action`, for hints.
    /// The first key bound to `action`, "" if none (the hint line shows one key).
    pub fn first_key_label(&self, action: &str) -> String {
        self.bindings
            .iter()
            .find(|b| b.action == action)
            .and_then(|b| b.keys.first())
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    pub fn keys_label(&self, action: &str) -> String {
        self.bindings
            .iter()
            .find(|b| b.action == action)
            .map(|b| {
                b.keys
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["quit", "help", "down"];
    const DEFAULTS: &str = r#"
[[binding]]
action = "quit"
keys = ["q", "ctrl-c"]
description = "Quit"
section = "General"

[[binding]]
action = "help"
keys = ["?"]
description = "Help"
section = "General"

[[binding]]
action = "down"
keys = ["j", "down"]
description = "Down"
section = "Move"
"#;

    fn defaults() -> Keymap {
        Keymap::parse_defaults(Path::new("k.toml"), DEFAULTS, KNOWN).unwrap()
    }

    #[test]
    fn parses_chords_both_ways() {
        for text in [
            "q", "G", "?", "ctrl-d", "alt-x", "enter", "pgdown", "f5", "space", "<",
        ] {
            let chord = KeyChord::parse(text).unwrap();
            assert_eq!(chord.to_string(), text);
        }
        assert_eq!(KeyChord::parse("shift-tab").unwrap().key, Key::BackTab);
        assert!(KeyChord::parse("hyper-q").is_none());
        assert!(KeyChord::parse("f13").is_none());
    }

    #[test]
    fn user_file_rebinds_one_action_and_steals_its_keys() {
        let mut km = defaults();
        km.apply_user_file(Path::new("user.toml"), "[keys]\nhelp = [\"q\"]\n")
            .unwrap();
        let q = KeyChord::parse("q").unwrap();
        assert_eq!(km.action_for(&q), Some("help"));
        assert_eq!(km.keys_label("quit"), "ctrl-c");
        assert_eq!(km.keys_label("down"), "j/down");
    }

    #[test]
    fn user_file_errors_name_line_and_key() {
        let mut km = defaults();
        let err = km
            .apply_user_file(
                Path::new("user.toml"),
                "[keys]\nquit = [\"q\"]\nexplode = [\"x\"]\n",
            )
            .unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (3, Some("explode")));
        let err = km
            .apply_user_file(Path::new("user.toml"), "[keys]\n\nquit = [\"ctrl-\"]\n")
            .unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (3, Some("quit")));
        assert!(err.message.contains("not a key"));
    }

    #[test]
    fn a_keymap_that_would_trap_the_user_is_refused_and_ctrl_c_always_quits() {
        let mut km = defaults();
        let err = km
            .apply_user_file(Path::new("user.toml"), "[keys]\n\nquit = []\n")
            .unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (3, Some("quit")));
        assert!(err.message.contains("no key that quits"), "{}", err.message);
        let err = km
            .apply_user_file(
                Path::new("user.toml"),
                "[keys]\nhelp = [\"?\",\n  \"ctrl-c\"]\n",
            )
            .unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");
        assert!(
            err.message.contains("ctrl-c always quits"),
            "{}",
            err.message
        );
        // Rebinding quit keeps ctrl-c on it.
        km.apply_user_file(Path::new("user.toml"), "[keys]\nquit = [\"Q\"]\n")
            .unwrap();
        assert_eq!(km.keys_label("quit"), "Q/ctrl-c");
        assert_eq!(km.action_for(&CTRL_C), Some("quit"));
    }

    #[test]
    fn unknown_action_in_defaults_is_an_error() {
        let err =
            Keymap::parse_defaults(Path::new("k.toml"), DEFAULTS, &["quit", "help"]).unwrap_err();
        assert!(err.message.contains("down"));
    }
}
