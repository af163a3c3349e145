#!/usr/bin/env bash
# CI step: the short versions of the reliability drills on SQLite and
# PostgreSQL (scripts/reliability/): three kill -9 trials under ~200
# submissions/s with nothing acknowledged lost; one backup taken under
# load, restored into a fresh installation and verified; and the database
# faults (latency, connection cuts, an 8 s outage, a PostgreSQL restart, a
# full attachments disk) through toxiproxy. Fails on any lost or damaged
# submission, integrity or audit-chain failure, rejected submission, failed
# restore, or a request that did not succeed or fail fast with 503 and
# Retry-After. Takes about 4–5 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== reliability: nothing lost under kill -9, backup and restore under load, database faults"
export GKDRILL_PG_URL="${GKDRILL_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
start=$(date +%s)
scripts/reliability/nothing-lost.sh --short --db both
scripts/reliability/backup-drill.sh --short --db both
scripts/reliability/db-faults.sh --short
echo "reliability drills passed in $(( $(date +%s) - start ))s"
