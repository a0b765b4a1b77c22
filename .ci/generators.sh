#!/usr/bin/env bash
# Proves the generators (README "Generators") on a temporary copy of the repository: generates one task, one
# command, one query and one migration into the demo module, then lints, formats-checks and type-checks the
# copy, and runs the generated tests and the migrations suite (which reverts and re-applies the newest
# migration) on SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
copy="$(mktemp -d -t bt-generators-XXXXXX)"
trap 'rm -rf "$copy"' EXIT
git ls-files -z | xargs -0 cp --parents -t "$copy"
ln -s "$repo/node_modules" "$copy/node_modules"
cd "$copy"

for answers in "task demo send-digest" "use-case demo command ring-bell" "use-case demo query count-bells" \
  "migration create-bells bells"; do
  echo "generators: npm run generate -- $answers"
  # shellcheck disable=SC2086 # the answers are words on purpose
  npm run --silent generate -- $answers >generate.log 2>&1 || { cat generate.log >&2; exit 1; }
done
rm generate.log
echo "generators: lint, format and type-check"
node_modules/.bin/eslint src/demo test/demo migrations
node_modules/.bin/prettier --check src/demo test/demo migrations >/dev/null
node_modules/.bin/tsc -p tsconfig.json --noEmit
echo "generators: the generated tests and the migrations suite"
npm run --silent test:jest -- test/demo test/database/migrations
