use std::path::PathBuf;

/// A problem in a user's file, located so that it can be fixed: file, line, key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {}{message}", file.display(), key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub key: Option<String>,
    pub message: String,
}

impl ConfigError {
    /// Locates byte offset `at` of `text`: its line number and the key assigned there.
    pub fn at(file: &std::path::Path, text: &str, at: usize, message: impl Into<String>) -> Self {
        let at = at.min(text.len());
        let line = text[..at].matches('\n').count() + 1;
        let line_text = text.lines().nth(line - 1).unwrap_or("");
        let key = line_text
            .split_once('=')
            .map(|(k, _)| k.trim().trim_matches('"').to_string())
            .filter(|k| !k.is_empty() && !k.starts_with('['));
        ConfigError {
            file: file.to_path_buf(),
            line,
            key,
            message: message.into(),
        }
    }

    /// From a TOML parse error: its span, and its message without the source excerpt.
    pub fn from_toml(file: &std::path::Path, text: &str, err: &toml::de::Error) -> Self {
        let at = err.span().map_or(0, |s| s.start);
        ConfigError::at(file, text, at, err.message().trim().to_string())
    }
}
