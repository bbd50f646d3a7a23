#!/usr/bin/env bash
# The scan benchmark: starts moto's server on loopback, then `cargo bench --bench scan`.
# Arguments go to the benchmark, e.g. `bash scripts/bench-scan.sh --accounts 50 --runs 3`.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '==> %s\n' "$*"; }
. scripts/moto.sh
start_moto
cargo bench --bench scan -- "$@"
