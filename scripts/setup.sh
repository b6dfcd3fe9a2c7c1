#!/usr/bin/env bash
# Makes a fresh checkout runnable: dependencies, PostgreSQL and Redis answering, Prisma client, migrations.
# Idempotent and quick when everything is already in place; `npm run demo` and `npm test` call it first.
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST_ADDR=${PGHOST_ADDR:-127.0.0.1}
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/careprompt}
TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/careprompt_test}
DEMO_DATABASE_URL=${DEMO_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/careprompt_demo}
BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/careprompt_bench}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}

say() { printf 'setup: %s\n' "$*" >&2; }
# Runs a command, showing its output only when it fails.
quietly() { local out; out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }; }

# 1. Dependencies, from the lockfile, when missing or older than it.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# 2. Services: reuse them when they answer, start them when they are installed but down.
redis_port=$(node -e 'console.log(new URL(process.argv[1]).port || 6379)' "$REDIS_URL")
if ! (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then
  if command -v redis-server >/dev/null; then
    say "starting Redis on port $redis_port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >/dev/null
  else
    say "Redis is not answering on port $redis_port and redis-server is not installed"; exit 1
  fi
fi
if ! pg_isready -q -h "$PGHOST_ADDR" -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  else
    say "PostgreSQL is not answering on $PGHOST_ADDR:5432"; exit 1
  fi
fi
for _ in $(seq 1 30); do
  pg_isready -q -h "$PGHOST_ADDR" -p 5432 && (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break
  sleep 1
done

# 3. Prisma. Offline machines use the Wasm schema engine from ../shared (see README); others download theirs.
if [ -z "${PRISMA_SCHEMA_ENGINE_BINARY:-}" ] && [ -x ../shared/tools/prisma-schema-engine/run ]; then
  PRISMA_SCHEMA_ENGINE_BINARY="$(realpath ../shared/tools/prisma-schema-engine/run)"
  export PRISMA_SCHEMA_ENGINE_BINARY
fi
if [ ! -f src/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt src/generated/prisma/client.ts ]; then
  say "generating the Prisma client"
  quietly npx prisma generate
fi
for url in "$DATABASE_URL" "$TEST_DATABASE_URL" "$DEMO_DATABASE_URL" "$BENCH_DATABASE_URL"; do
  db=$(node -e 'console.log(new URL(process.argv[1]).pathname.slice(1))' "$url")
  admin_url=$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/postgres"; console.log(u.href)' "$url")
  if ! psql "$admin_url" -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
    say "creating database $db"
    psql "$admin_url" -qc "create database \"$db\""
  fi
  DATABASE_URL="$url" quietly npx prisma migrate deploy
done
say "ready"
