#!/usr/bin/env bash
# The package as a user gets it: `npm pack` (which builds dist/), install the tarball into an empty folder,
# run `careprompt --help` there and validate the example campaigns with it (no database needed). Fails when the tarball lacks a file the CLI loads, ships what it should not,
# or needs a devDependency at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(npm pack --silent --pack-destination "$work")
contents=$(tar -tzf "$work/$tarball")
for unwanted in package/src/ package/tools/ package/test/ package/bench/; do
  if grep -q "^$unwanted" <<<"$contents"; then
    echo "pack-check: the tarball contains $unwanted" >&2; exit 1
  fi
done
for wanted in package/dist/cli/main.js package/dist/http/console/assets/console.css package/bin/careprompt.js package/prisma/schema.prisma package/README.md; do
  if ! grep -qx "$wanted" <<<"$contents"; then
    echo "pack-check: the tarball lacks ${wanted#package/}" >&2; exit 1
  fi
done
if ! grep -q '^package/prisma/migrations/.*/migration.sql$' <<<"$contents"; then
  echo "pack-check: the tarball lacks prisma/migrations" >&2; exit 1
fi

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null
set +e
usage=$(npx --no-install careprompt --help 2>&1)
code=$?
set -e
if [ "$code" -ne 0 ] || ! grep -q '^Usage:' <<<"$usage" || ! grep -q 'careprompt run --once' <<<"$usage"; then
  printf 'pack-check: `careprompt --help` from the installed package exited %s:\n%s\n' "$code" "$usage" >&2; exit 1
fi
# Real work with the compiled modules: YAML, the campaign schema, the templates.
if ! validated=$(TEMPLATES_DIR="$repo/templates" npx --no-install careprompt campaigns validate "$repo/jobs" 2>&1); then
  printf 'pack-check: `careprompt campaigns validate` from the installed package failed:\n%s\n' "$validated" >&2; exit 1
fi
printf 'pack-check: %s (%s files) installs, runs `careprompt --help` and validates the example campaigns\n' "$tarball" "$(wc -l <<<"$contents")"
