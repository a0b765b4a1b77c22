#!/usr/bin/env bash
# Proves the README's "Remove the demo" and "Remove the CMS" on a temporary copy of the repository: applies
# the first and type-checks, applies the second and type-checks again, then runs the queue's and the
# platform's suites on SQLite there. The steps below are the recipes' steps, in the README's order.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

# The suites that must not care which features exist: the queue's own, and the platform's HTTP suites.
QUEUE_SUITES=(
  src/background-tasks src/shared src/config src/database test/background-tasks test/database/migrations
  test/e2e/background-task test/e2e/live-updates test/e2e/observability test/e2e/roles
  test/e2e/token-rotation test/e2e/health test/e2e/openapi test/e2e/security-headers
  test/e2e/failed-sign-ins test/e2e/boot
)

copy="$(mktemp -d -t bt-recipes-XXXXXX)"
trap 'rm -rf "$copy"' EXIT
git ls-files -z | xargs -0 cp --parents -t "$copy"
ln -s "$repo/node_modules" "$copy/node_modules"
cd "$copy"

# The app, the migrations and the suites above, type-checked (the other test files belong to the features).
cat >tsconfig.recipes.json <<'JSON'
{
  "extends": "./tsconfig.json",
  "include": ["src", "migrations", "test/support", "test/background-tasks", "test/database/migrations.spec.ts",
    "test/e2e/background-task*.ts", "test/e2e/live-updates*.ts", "test/e2e/observability*.ts",
    "test/e2e/roles*.ts", "test/e2e/token-rotation*.ts", "test/e2e/health*.ts", "test/e2e/openapi*.ts",
    "test/e2e/security-headers*.ts", "test/e2e/failed-sign-ins*.ts", "test/e2e/boot*.ts"]
}
JSON
typecheck() { node_modules/.bin/tsc -p tsconfig.recipes.json --noEmit; }

echo "recipes: Remove the demo"
rm -r src/demo
sed -i '/DemoFeature/d' src/app.features.ts
# (The dashboard hides the form of a feature that is gone; removing its markup and handler is tidying.)
typecheck

echo "recipes: Remove the CMS"
rm -r src/content test/content test/e2e/content-api.e2e.spec.ts
sed -i '/ContentFeature/d' src/app.features.ts
typecheck
! grep -rqE "from '[./]*/(content|demo)/" src migrations test/support test/background-tasks ||
  { echo "recipes: something still imports the removed modules" >&2; exit 1; }

echo "recipes: the queue's and the platform's suites on SQLite, without the demo and the CMS"
env -u TEST_POSTGRES_URL -u TEST_MSSQL_URL npm run --silent test:jest -- "${QUEUE_SUITES[@]}"
