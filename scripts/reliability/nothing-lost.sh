#!/usr/bin/env bash
# Nothing lost: a steady stream of public submissions (applications with an
# identity proof, mailbox letters and consultation comments with
# attachments, open-day sign-ups) at ~200/s against `gongkai serve`, which
# is killed with SIGKILL at a random moment of each trial and restarted on
# the same data. After every kill: each acknowledged submission must be in
# the database with the same content, its receipt's code must match and
# its attachment's bytes must hash to what was sent; SQLite PRAGMA
# integrity_check/foreign_key_check or pg_amcheck must pass; every
# attachment row must have its blob; the audit chain must verify.
#
#   scripts/reliability/nothing-lost.sh [--db sqlite|postgres|both] [--trials N] [--short] [gkdrill flags…]
#
# Default: both databases, 20 trials each. --short: 3 trials of 2–4 s (CI).
# Extra flags go to `gkdrill nothing-lost` (e.g. --rate 200 --clients 48
# --kill-min 3s --kill-max 10s --keep). Reports: $GKDRILL_OUT (default
# /tmp/gkdrill-results)/nothing-lost-<db>.json. PostgreSQL:
# $GKDRILL_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres), a
# role that may create databases; the drill makes its own and drops it.

set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/reliability/lib.sh
. scripts/reliability/lib.sh

flags=()
if [ "$short" = 1 ]; then
	flags+=(--kill-min 2s --kill-max 4s)
	trials="${trials:-3}"
fi
trials="${trials:-20}"

status=0
for db in "${dbs[@]}"; do
	"$bin/gkdrill" nothing-lost --gongkai "$bin/gongkai" --db "$db" --pg-url "$pg_url" --trials "$trials" \
		--report "$out/nothing-lost-$db.json" "${flags[@]}" "${extra[@]}" || status=1
done
exit $status
