#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need, then runs
# formatting and lint checks and every test (unit, store, snapshots, headless app flows,
# and the end-to-end test of the real binary under tmux).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

# tmux drives the end-to-end test; with CI set that test fails rather than skips without it.
if ! command -v tmux >/dev/null 2>&1; then
  say "installing tmux"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null
fi

# moto's server stands in for AWS on loopback; stopped when this script ends.
. scripts/moto.sh
start_moto

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is not installed: install Rust from https://rustup.rs and run this again" >&2
  exit 1
fi

if cargo fmt --version >/dev/null 2>&1; then
  say "cargo fmt --check"
  cargo fmt --all -- --check
else
  say "rustfmt not installed: skipping the format check"
fi

if cargo clippy --version >/dev/null 2>&1; then
  say "cargo clippy"
  cargo clippy --all-targets --locked -- -D warnings
else
  say "clippy not installed: skipping lints"
fi

say "cargo test"
# Snapshots are compared, never rewritten, while testing. Tests that need moto fail,
# not skip, when CI is set and the server is missing.
INSTA_UPDATE=no cargo test --locked
