#!/usr/bin/env bash
# Proves the README's production start outside Docker, in the Dockerfile's steps: the build is copied to a
# temporary folder with nothing but package.json and the lock file, which get production dependencies only;
# then, on a fresh PostgreSQL schema, an unmigrated start is refused in one line, the migration runs, the app
# starts with plain `node`, /health answers (and the Dockerfile's HEALTHCHECK), a demo task completes, and
# SIGTERM during a long task leaves no row `processing`. Needs TEST_POSTGRES_URL (a database it may create a schema in).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TEST_POSTGRES_URL:?TEST_POSTGRES_URL must name a PostgreSQL database}"

step() { echo "production start: $*"; }
fail() {
  echo "production start FAILED: $*" >&2
  [ -f "${log:-/nonexistent}" ] && tail -n 40 "$log" >&2
  exit 1
}

npm run build >/dev/null
repo="$PWD"
app="$(mktemp -d -t bt-prod-XXXXXX)"
schema="prod_start_$$"
psql_() { psql "$TEST_POSTGRES_URL" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }
cleanup() {
  [ -n "${pid:-}" ] && { pkill -KILL -P "$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; } || true
  psql_ "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$app"
}
trap cleanup EXIT

cp package.json package-lock.json "$app/"
cp -R dist "$app/dist"
cd "$app"
step "npm ci --omit=dev in $app"
npm ci --omit=dev --no-audit --no-fund >install.log 2>&1 || { log=install.log fail "npm ci --omit=dev"; }
# (typescript may be there: @nestjs/swagger names it an optional peer; the test and build tools must not.)
[ ! -e node_modules/jest ] && [ ! -e node_modules/eslint ] && [ ! -e node_modules/@swc/core ] ||
  fail "dev dependencies were installed"

export NODE_ENV=production DATABASE_URL="$TEST_POSTGRES_URL" SchemaName="$schema" HOST=127.0.0.1
export ADMIN_TOKENS="ci:ci-production-token-0123456789:admin" PORT="$((20000 + $$ % 20000))"
auth="Authorization: Bearer ci-production-token-0123456789"
psql_ "CREATE SCHEMA $schema"

step "an unmigrated database is refused in one line"
log=refused.log
if npm run --silent start:prod >"$log" 2>&1; then fail "started on an unmigrated database"; fi
grep -q 'run `npm run migration:run:prod`' "$log" || fail "no line naming the migration command"
! grep -qE '^\s+at ' "$log" || fail "a stack trace instead of one line"

step "npm run migration:run:prod"
npm run --silent migration:run:prod >migrate.log 2>&1 || { log=migrate.log fail "migration:run:prod"; }

step "npm run start:prod"
log=app.log
npm run --silent start:prod >"$log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 600); do
  url="$(grep -oE 'Listening on http://[^" ]+' "$log" | head -n 1 | cut -d' ' -f3)" && [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the app exited at start"
  sleep 0.1
done
[ -n "$url" ] || fail "the app did not listen within 60 s"
curl -fsS "$url/health" >/dev/null || fail "/health did not answer 200"
step "the Dockerfile's HEALTHCHECK command passes"
PORT="${url##*:}" node -e '
  const dockerfile = require("node:fs").readFileSync(process.argv[1], "utf8").replace(/\\\n/g, " ");
  const [command, ...args] = JSON.parse(/^HEALTHCHECK .*? CMD (\[.*\])$/m.exec(dockerfile)[1]);
  process.exit(require("node:child_process").spawnSync(command, args, { stdio: "inherit" }).status);
' "$repo/Dockerfile" || fail "the HEALTHCHECK command failed"

# Waits (up to 60 s) until the task reaches the status, printing the status it ended on.
wait_for() {
  local status=""
  for _ in $(seq 1 600); do
    status="$(curl -fsS -H "$auth" "$url/api/background-tasks/$1" | node -p 'JSON.parse(require("fs").readFileSync(0)).status')"
    [ "$status" = "$2" ] && break
    sleep 0.1
  done
  echo "$status"
}
task_id() { node -p 'JSON.parse(require("fs").readFileSync(0)).taskId'; }

step "a demo task completes"
short="$(curl -fsS -H "$auth" -H 'Content-Type: application/json' -d '{"steps":3,"stepMs":20}' "$url/api/demo-tasks" | task_id)"
[ "$(wait_for "$short" completed)" = completed ] || fail "the demo task did not complete"

step "SIGTERM during a long task leaves nothing processing"
long="$(curl -fsS -H "$auth" -H 'Content-Type: application/json' -d '{"steps":600,"stepMs":100}' "$url/api/demo-tasks" | task_id)"
[ "$(wait_for "$long" processing)" = processing ] || fail "the long task did not start"
kill -TERM "$pid" # npm passes it on to node (start:prod `exec`s node, so no shell stands between them)
wait "$pid" || true
pid=""
grep -q 'stopped' "$log" || fail "no clean stop in the log"
processing="$(psql_ "SELECT count(*) FROM $schema.background_tasks WHERE status = 'processing'")"
[ "$processing" = 0 ] || fail "$processing task(s) left processing after SIGTERM"
[ "$(psql_ "SELECT status FROM $schema.background_tasks WHERE id = '$long'")" = enqueued ] ||
  fail "the interrupted task did not go back to the queue"
step "passed (install, refusal, migration, start, /health, a task, SIGTERM)"
