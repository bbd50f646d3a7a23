//! End to end: the real binary in a real terminal (tmux). Opens the demo, drills down two
//! levels, comes back, quits, and checks what the screen showed and that the terminal
//! was restored.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn send(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "e2e", key]);
            // A lone Esc followed at once by a key reads as Alt+key in any terminal.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Starts `costscope demo` in a fresh tmux server, in its own home. After costscope
/// exits, the shell prints its exit code, then whether the terminal is back in cooked
/// mode: wait for the second line (`terminal-`), not the first, before judging either.
/// `None` when tmux is missing outside CI.
fn start_demo(dir: &Path, name: &str) -> Option<(Tmux, PathBuf)> {
    if !tmux_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required when CI is set (.ci/run installs it)"
        );
        eprintln!("skipping: tmux is not installed");
        return None;
    }
    let bin = env!("CARGO_BIN_EXE_costscope");
    let cache = dir.join("demo.sqlite");
    let command = format!(
        "sleep 0.3; env HOME={h} XDG_CONFIG_HOME={h}/config XDG_DATA_HOME={h}/data XDG_STATE_HOME={h}/state \
         COSTSCOPE_TODAY=2026-11-20 TERM=xterm-256color {bin} demo --accounts 12 --cache {c}; \
         echo costscope-exited-with-$?; \
         if stty -a | grep -q ' icanon'; then echo terminal-cooked-again; else echo terminal-left-raw; fi",
        h = dir.display(),
        c = cache.display()
    );
    let tmux = Tmux {
        socket: format!("costscope-e2e-{name}-{}", std::process::id()),
    };
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "100",
        "-y",
        "30",
        &command,
        ";",
        "set-option",
        "-t",
        "e2e",
        "remain-on-exit",
        "on",
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    Some((tmux, cache))
}

/// The pid of the costscope process using `cache`, from /proc (argv[0] is the binary,
/// which tells it from the shell that started it).
fn costscope_pid(cache: &Path) -> Option<u32> {
    let bin = env!("CARGO_BIN_EXE_costscope");
    let needle = cache.display().to_string();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<String> = cmdline
                .split(|&b| b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            (args.first().map(String::as_str) == Some(bin) && args.contains(&needle)).then_some(pid)
        })
}

#[test]
fn demo_drill_down_two_levels_and_back_then_quit() {
    let dir = tempfile::tempdir().unwrap();
    let Some((tmux, cache)) = start_demo(dir.path(), "drill") else {
        return;
    };

    let overview = tmux.wait_for("the overview", |s| {
        s.contains("Top accounts") && s.contains("DEMO")
    });
    assert!(overview.contains("Month to date"), "{overview}");

    tmux.send(&["a"]);
    let accounts = tmux.wait_for("the accounts list", |s| s.contains("Account id"));
    let first_account = accounts
        .lines()
        .find(|l| l.contains("-prod") || l.contains("-staging"))
        .and_then(|l| l.trim_start_matches('│').split_whitespace().next())
        .expect("an account row")
        .to_string();

    tmux.send(&["Enter"]);
    let services = tmux.wait_for("the account's services", |s| {
        s.contains(&format!("Accounts › {first_account}"))
    });
    assert!(services.contains("services · total"), "{services}");

    // The demo's months carry usage types and resources, as an export's do.
    tmux.send(&["Enter"]);
    let usage = tmux.wait_for("the service's usage types", |s| {
        s.contains("usage types · total")
    });
    let crumbs = usage.lines().nth(1).unwrap_or("").to_string();
    assert_eq!(crumbs.matches('›').count(), 2, "{usage}");

    tmux.send(&["Enter"]);
    let resources = tmux.wait_for("the usage type's resources", |s| {
        s.contains("resources · total")
    });
    let crumbs = resources.lines().nth(1).unwrap_or("").to_string();
    assert_eq!(crumbs.matches('›').count(), 3, "{resources}");

    // B lists the same account and service by day.
    tmux.send(&["Escape", "B"]);
    let series = tmux.wait_for("the daily series", |s| s.contains("days · total"));
    assert!(series.contains("2026-11-01"), "{series}");

    tmux.send(&["Escape", "Escape"]);
    let back = tmux.wait_for("the accounts list again", |s| {
        s.contains("Account id") && !s.contains("›")
    });
    assert!(back.contains(&first_account));

    tmux.send(&["q"]);
    // The shell prints the exit code on the normal screen once costscope is gone.
    let after = tmux.wait_for("the program to exit", |s| {
        s.contains("terminal-cooked-again") || s.contains("terminal-left-raw")
    });
    assert!(after.contains("costscope-exited-with-0"), "{after}");
    assert!(
        !after.contains("Top accounts") && !after.contains("Account id"),
        "the alternate screen was left:\n{after}"
    );
    assert!(Path::new(&cache).exists());
}

#[test]
fn a_terminate_signal_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let Some((tmux, cache)) = start_demo(dir.path(), "sigterm") else {
        return;
    };
    tmux.wait_for("the overview", |s| s.contains("Top accounts"));
    let pid = costscope_pid(&cache).expect("costscope is running");
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let after = tmux.wait_for("the program to exit", |s| {
        s.contains("terminal-cooked-again") || s.contains("terminal-left-raw")
    });
    assert!(
        after.contains("terminal-cooked-again"),
        "raw mode was left on:\n{after}"
    );
    assert!(
        !after.contains("Top accounts"),
        "the alternate screen was left:\n{after}"
    );
}

#[test]
fn demo_mark_two_findings_confirm_and_see_them_applied_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let Some((tmux, cache)) = start_demo(dir.path(), "apply") else {
        return;
    };
    tmux.wait_for("the overview", |s| s.contains("Top accounts"));
    tmux.send(&["f"]);
    tmux.wait_for("the findings", |s| s.contains("findings ·"));
    tmux.send(&["Space", "Space"]);
    tmux.wait_for("two marks", |s| s.contains("2 findings marked"));
    tmux.send(&["p"]);
    let dialog = tmux.wait_for("the confirm dialog with the identity", |s| {
        s.contains("Confirm plan") && s.contains("applies as: arn:")
    });
    assert!(dialog.contains("SIMULATED"), "{dialog}");
    assert!(dialog.contains("2 steps"), "{dialog}");
    assert!(dialog.contains("[ Cancel ]") && dialog.contains("[ Apply ]"));
    // Tab moves to Apply; typing the count is needed when the plan deletes something
    // and ignored otherwise.
    tmux.send(&["Tab", "2", "Enter"]);
    let progress = tmux.wait_for("both steps verified", |s| s.contains("plan 1 done"));
    assert_eq!(progress.matches(": verified").count(), 2, "{progress}");

    tmux.send(&["Escape", "L"]);
    let audit = tmux.wait_for("the audit log", |s| s.contains("Audit log ·"));
    assert!(
        audit.contains("verified") && audit.contains("[simulated]"),
        "{audit}"
    );

    tmux.send(&["q"]);
    let after = tmux.wait_for("the program to exit", |s| {
        s.contains("terminal-cooked-again") || s.contains("terminal-left-raw")
    });
    assert!(after.contains("costscope-exited-with-0"), "{after}");
    // The same log from the command line, from the cache the TUI wrote.
    let out = Command::new(env!("CARGO_BIN_EXE_costscope"))
        .args(["audit", "--format", "csv", "--cache"])
        .arg(&cache)
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert_eq!(csv.matches(",verified,").count(), 2, "{csv}");
}
