//! The binary's error reports for bad input: what the user sees, and that nothing is lost.

use std::process::Command;

fn costscope(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_costscope"));
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("COSTSCOPE_CACHE")
        .env_remove("COSTSCOPE_CONFIG_DIR");
    cmd
}

/// Runs costscope and returns what it printed on stderr, expecting the input-error exit.
fn fails(home: &std::path::Path, args: &[&str]) -> String {
    let out = costscope(home).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn malformed_config_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("config/costscope");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        "theme = \"light\"\nmetric = \"blended\"\n",
    )
    .unwrap();
    let err = fails(dir.path(), &["demo", "--no-tui", "--accounts", "3"]);
    assert!(err.contains("config.toml:2: key `metric`"), "{err}");
}

#[test]
fn invalid_user_theme_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let themes = dir.path().join("config/costscope/themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(
        themes.join("mine.toml"),
        "[colors]\n\naccent = \"sparkly\"\n",
    )
    .unwrap();
    let err = fails(
        dir.path(),
        &["--theme", "mine", "demo", "--no-tui", "--accounts", "3"],
    );
    assert!(err.contains("mine.toml:3: key `accent`"), "{err}");
}

#[test]
fn a_cache_that_is_not_sqlite_is_reported_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");
    std::fs::write(&cache, "important text").unwrap();
    let out = costscope(dir.path())
        .args(["check", "--cache"])
        .arg(&cache)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not an SQLite database"), "{err}");
    assert_eq!(std::fs::read_to_string(&cache).unwrap(), "important text");
}

#[test]
fn demo_generates_its_own_cache_and_check_passes() {
    let dir = tempfile::tempdir().unwrap();
    let out = costscope(dir.path())
        .args(["demo", "--no-tui", "--accounts", "3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let demo = dir.path().join("data/costscope/demo.sqlite");
    assert!(demo.exists());
    assert!(
        !dir.path().join("data/costscope/cache.sqlite").exists(),
        "the demo never touches the real cache"
    );
    let out = costscope(dir.path())
        .args(["check", "--cache"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).ends_with(": ok\n"));
}

#[test]
fn unreadable_config_directory_does_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("config/costscope");
    std::fs::create_dir_all(config_dir.join("config.toml")).unwrap(); // a directory where a file should be
    let out = costscope(dir.path())
        .args(["demo", "--no-tui", "--accounts", "3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
