#!/usr/bin/env bash
# Backup and restore drill: while ~200 submissions/s load `gongkai serve`,
# run `gongkai backup` (SQLite: VACUUM INTO; PostgreSQL: pg_dump, then the
# attachments), restore each backup with `gongkai restore` into a fresh
# data folder (and a fresh PostgreSQL database), start gongkai on it and
# check: every submission acknowledged before the backup began is there
# with its attachment's bytes, table counts lie between those before and
# after the backup, every attachment row has its blob, integrity checks
# and `gongkai audit verify` pass, applicants' status look-ups work.
# Measures the backup's duration and size, the restore and the time from
# restore to ready (RTO), and what the backup missed (RPO).
#
#   scripts/reliability/backup-drill.sh [--db sqlite|postgres|both] [--trials N] [--short] [gkdrill flags…]
#
# Default: both databases, 5 backups each, 10 s of load before each.
# --short: 1 backup after 5 s (CI). Reports: $GKDRILL_OUT (default
# /tmp/gkdrill-results)/backup-drill-<db>.json.

set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/reliability/lib.sh
. scripts/reliability/lib.sh

flags=()
if [ "$short" = 1 ]; then
	flags+=(--interval 5s)
	trials="${trials:-1}"
fi
trials="${trials:-5}"

status=0
for db in "${dbs[@]}"; do
	"$bin/gkdrill" backup-drill --gongkai "$bin/gongkai" --db "$db" --pg-url "$pg_url" --trials "$trials" \
		--report "$out/backup-drill-$db.json" "${flags[@]}" "${extra[@]}" || status=1
done
exit $status
