//! Themes: `themes/*.toml` with semantic colour slots. Built-in themes are embedded; a
//! user file in the config directory's `themes/` may set any subset of the slots, and the
//! rest come from the default theme.

use super::paths::read_optional;
use super::ConfigError;
use ratatui::style::Color;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use toml::Spanned;

pub const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

macro_rules! theme_slots {
    ($($slot:ident: $doc:literal),* $(,)?) => {
        /// Colours by meaning, not by widget.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            pub name: String,
            $(#[doc = $doc] pub $slot: Color,)*
        }

        #[derive(Deserialize, Default)]
        #[serde(deny_unknown_fields)]
        struct RawColors {
            $($slot: Option<Spanned<RawColor>>,)*
        }

        impl Theme {
            fn overlay(mut self, file: &Path, text: &str, raw: RawColors) -> Result<Theme, ConfigError> {
                $(if let Some(value) = raw.$slot {
                    self.$slot = parse_color(file, text, &value)?;
                })*
                Ok(self)
            }
        }
    };
}

theme_slots! {
    background: "Screen background",
    foreground: "Ordinary text",
    muted: "Secondary text: ids, hints, labels",
    accent: "Titles, keys in hints, the focused element",
    border: "Block borders",
    header: "Table headers",
    selection_fg: "Text of the selected row",
    selection_bg: "Background of the selected row",
    increase: "Spend going up (bad news)",
    decrease: "Spend going down (good news)",
    chart: "Lines and bars of charts",
    share_bar: "Share-of-total bars in tables",
    status_fg: "Status bar text",
    status_bg: "Status bar background",
    badge_fg: "Text of badges (DEMO, FINAL, OPEN)",
    badge_bg: "Background of the DEMO badge",
    warning: "Warnings and partial data",
    error: "Errors",
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    #[serde(default)]
    colors: RawColors,
}

/// A colour as a theme file writes it: a name or "#rrggbb" in quotes, or a terminal
/// palette number (0-255) with or without them.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawColor {
    Text(String),
    Number(i64),
}

fn parse_color(file: &Path, text: &str, value: &Spanned<RawColor>) -> Result<Color, ConfigError> {
    let parsed = match value.get_ref() {
        RawColor::Text(name) => Color::from_str(name).ok(),
        RawColor::Number(n) => u8::try_from(*n).ok().map(Color::Indexed),
    };
    parsed.ok_or_else(|| {
        let shown = match value.get_ref() {
            RawColor::Text(name) => name.clone(),
            RawColor::Number(n) => n.to_string(),
        };
        ConfigError::at(
            file,
            text,
            value.span().start,
            format!(
                "`{shown}` is not a colour (use a name like \"cyan\" or \"dark-gray\", \"#rrggbb\", or 0-255)"
            ),
        )
    })
}

impl Theme {
    /// A theme laid over `base`.
    pub fn parse(name: &str, file: &Path, text: &str, base: Theme) -> Result<Theme, ConfigError> {
        let raw: RawTheme =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(file, text, &e))?;
        let mut theme = base.overlay(file, text, raw.colors)?;
        theme.name = name.to_string();
        Ok(theme)
    }

    /// The default theme from the embedded file. Every slot is set there; the fallback
    /// colour only guards against a broken build.
    pub fn default_theme() -> Theme {
        let blank = Theme {
            name: "default".to_string(),
            background: Color::Reset,
            foreground: Color::Reset,
            muted: Color::Gray,
            accent: Color::Cyan,
            border: Color::DarkGray,
            header: Color::Yellow,
            selection_fg: Color::Black,
            selection_bg: Color::Cyan,
            increase: Color::Red,
            decrease: Color::Green,
            chart: Color::Cyan,
            share_bar: Color::Blue,
            status_fg: Color::White,
            status_bg: Color::DarkGray,
            badge_fg: Color::Black,
            badge_bg: Color::Magenta,
            warning: Color::Yellow,
            error: Color::Red,
        };
        let (name, text) = BUILT_IN[0];
        Theme::parse(name, Path::new("themes/default.toml"), text, blank.clone()).unwrap_or(blank)
    }

    /// Loads theme `name`: a user file `<themes_dir>/<name>.toml` wins over a built-in.
    pub fn load(name: &str, themes_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let base = Theme::default_theme();
        if let Some(dir) = themes_dir {
            let file = dir.join(format!("{name}.toml"));
            match read_optional(&file) {
                Ok(Some(text)) => return Ok(Theme::parse(name, &file, &text, base)?),
                Ok(None) => {}
                Err(source) => {
                    return Err(ThemeError::Unreadable {
                        file,
                        reason: source.to_string(),
                    })
                }
            }
        }
        let (_, text) =
            BUILT_IN
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| ThemeError::Unknown {
                    name: name.to_string(),
                    available: Theme::available(themes_dir),
                })?;
        Ok(Theme::parse(
            name,
            &PathBuf::from(format!("themes/{name}.toml")),
            text,
            base,
        )?)
    }

    /// Built-in theme names and the user's own, sorted.
    pub fn available(themes_dir: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
        if let Some(Ok(entries)) = themes_dir.map(std::fs::read_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                        names.push(stem.to_string());
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme `{name}`; available: {}", available.join(", "))]
    Unknown {
        name: String,
        available: Vec<String>,
    },
    #[error("cannot read theme file {}: {reason}", file.display())]
    Unreadable { file: PathBuf, reason: String },
    #[error(transparent)]
    Invalid(#[from] ConfigError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_parse_and_differ() {
        let themes: Vec<Theme> = BUILT_IN
            .iter()
            .map(|(n, _)| Theme::load(n, None).unwrap())
            .collect();
        assert_eq!(themes.len(), 3);
        assert_ne!(themes[0].background, themes[1].background);
        assert_ne!(themes[0].selection_bg, themes[2].selection_bg);
    }

    #[test]
    fn partial_user_theme_inherits_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[colors]\naccent = \"#ff8800\"\n",
        )
        .unwrap();
        let t = Theme::load("mine", Some(dir.path())).unwrap();
        assert_eq!(t.accent, Color::Rgb(0xff, 0x88, 0x00));
        assert_eq!(t.increase, Theme::default_theme().increase);
        assert!(Theme::available(Some(dir.path())).contains(&"mine".to_string()));
    }

    #[test]
    fn invalid_theme_names_file_line_and_slot() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(
            &file,
            "[colors]\naccent = \"cyan\"\nchart = \"not-a-colour\"\n",
        )
        .unwrap();
        let err = Theme::load("bad", Some(dir.path())).unwrap_err();
        let ThemeError::Invalid(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!((e.line, e.key.as_deref()), (3, Some("chart")));
        assert!(err.to_string().contains("bad.toml:3"), "{err}");

        std::fs::write(&file, "[colors]\nsparkle = \"red\"\n").unwrap();
        let ThemeError::Invalid(e) = Theme::load("bad", Some(dir.path())).unwrap_err() else {
            panic!()
        };
        assert_eq!((e.line, e.key.as_deref()), (2, Some("sparkle")));
    }

    #[test]
    fn a_colour_may_be_a_palette_number_with_or_without_quotes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("n.toml"),
            "[colors]\naccent = 208\nchart = \"33\"\n",
        )
        .unwrap();
        let t = Theme::load("n", Some(dir.path())).unwrap();
        assert_eq!(
            (t.accent, t.chart),
            (Color::Indexed(208), Color::Indexed(33))
        );
        std::fs::write(dir.path().join("n.toml"), "[colors]\n\naccent = 256\n").unwrap();
        let ThemeError::Invalid(e) = Theme::load("n", Some(dir.path())).unwrap_err() else {
            panic!()
        };
        assert_eq!((e.line, e.key.as_deref()), (3, Some("accent")));
        assert!(e.message.contains("`256` is not a colour"), "{}", e.message);
    }

    #[test]
    fn unknown_theme_lists_the_available_ones() {
        let err = Theme::load("neon", None).unwrap_err();
        assert!(err.to_string().contains("high-contrast"), "{err}");
    }
}
