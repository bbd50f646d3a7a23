# Sourced by scripts/test.sh and scripts/bench-scan.sh: `start_moto` installs moto's
# server (pinned, in a virtual environment outside the clone), starts it on a free
# loopback port, exports COSTSCOPE_TEST_MOTO_URL and stops it when the caller exits.
# Needs `say` from the caller.

start_moto() {
  # moto's server stands in for AWS (Organizations, Cost Explorer, ...) on loopback. It
  # lives in a virtual environment outside the clone and is stopped when this script ends.
  MOTO_VERSION=5.2.5
  MOTO_VENV="${COSTSCOPE_MOTO_VENV:-$HOME/.cache/costscope/moto-venv}"
  # (Read pip's answer whole: grep -q in a pipe would end it early and, with pipefail, fail.)
  installed=$("$MOTO_VENV/bin/pip" show moto 2>/dev/null || true)
  if ! "$MOTO_VENV/bin/moto_server" --help >/dev/null 2>&1 \
     || [[ "$installed" != *"Version: $MOTO_VERSION"* ]]; then
    say "installing moto[server]==$MOTO_VERSION into $MOTO_VENV"
    python3 -m venv "$MOTO_VENV"
    "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  MOTO_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  MOTO_EC2_LOAD_DEFAULT_AMIS=false "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" \
    >"${TMPDIR:-/tmp}/costscope-moto-$MOTO_PORT.log" 2>&1 &
  MOTO_PID=$!
  trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/')" 2>/dev/null; then
      break
    fi
    sleep 0.2
  done
  if ! kill -0 "$MOTO_PID" 2>/dev/null; then
    echo "moto server did not start; its log:" >&2
    cat "${TMPDIR:-/tmp}/costscope-moto-$MOTO_PORT.log" >&2
    exit 1
  fi
  export COSTSCOPE_TEST_MOTO_URL="http://127.0.0.1:$MOTO_PORT"
  say "moto server on $COSTSCOPE_TEST_MOTO_URL"
}
