#!/usr/bin/env bash
# //clients:conformance as a user runs it: PASS/FAIL lines, the last line "N passed, N failed",
# exit status 0 only when nothing failed, 2 for bad flags.
set -euo pipefail

runfile() { echo "${TEST_SRCDIR}/archbench/$1"; }
CLI="$(runfile clients/conformance/conformance)"
SERVER="$(runfile servers/select_loop/select_loop)"
WORK="${TEST_TMPDIR:-$(mktemp -d)}"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$SERVER" --protocol echo --host 127.0.0.1 --port 0 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
trap 'kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^READY ' "$WORK/server.out" && break
  sleep 0.1
done
read -r _ HOST PORT _ < <(grep '^READY ' "$WORK/server.out") || fail "server never printed READY"

# A passing run.
"$CLI" --target "$HOST:$PORT" --protocol echo >"$WORK/pass.out" || fail "exit status $? on a passing run"
grep -q '^PASS echo.data.1m$' "$WORK/pass.out" || fail "no PASS line for echo.data.1m"
tail -n 1 "$WORK/pass.out" | grep -Eq '^[1-9][0-9]* passed, 0 failed$' || fail "last line: $(tail -n 1 "$WORK/pass.out")"

# --only and --sequential-server.
"$CLI" --target "$HOST:$PORT" --protocol echo --only concurrency --sequential-server >"$WORK/skip.out"
grep -q '^SKIP echo.concurrency.twenty_connections: ' "$WORK/skip.out" || fail "no SKIP line"
[ "$(tail -n 1 "$WORK/skip.out")" = "0 passed, 0 failed" ] || fail "skip run: $(tail -n 1 "$WORK/skip.out")"

# A failing run: the echo server is not an HTTP server.
if "$CLI" --target "$HOST:$PORT" --protocol http --only routes --timeout-ms 300 >"$WORK/fail.out"; then
  fail "exit status 0 although cases failed"
fi
grep -Eq '^FAIL http.routes.root: .+' "$WORK/fail.out" || fail "no FAIL line with a reason"
tail -n 1 "$WORK/fail.out" | grep -Eq '^0 passed, [1-9][0-9]* failed$' || fail "last line: $(tail -n 1 "$WORK/fail.out")"

# --list needs no server.
[ "$("$CLI" --list --protocol websocket | wc -l)" -gt 100 ] || fail "--list websocket lists too few cases"

# Bad flags: exit status 2.
set +e
"$CLI" --target "$HOST:$PORT" --protocol gopher >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown protocol: not exit 2"
"$CLI" --target nonsense --protocol echo >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad target: not exit 2"
set -e
echo "cli_test: ok"
