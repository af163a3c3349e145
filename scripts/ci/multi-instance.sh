#!/usr/bin/env bash
# CI step: two `gongkai serve` processes on one PostgreSQL database behind
# nginx (scripts/scale/multi-instance.sh, short form): shared sessions, a
# change on one instance visible (page cache invalidated) on the other
# within 2 s, queued and periodic jobs run exactly once across instances,
# and a few seconds of load through nginx without errors. Fails on any
# failed check. Takes about 1.5–2 minutes (it waits for one minute boundary
# to observe a periodic job).
#
# PostgreSQL: $GONGKAI_SCALE_PG_ADMIN, else $GONGKAI_TEST_DATABASE_URL (as
# .ci/run sets it), else postgres://postgres@127.0.0.1:5432/postgres; the
# script creates its own database there and drops it at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== multi-instance (2 instances on one PostgreSQL behind nginx)"

need_apt=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
command -v psql >/dev/null 2>&1 || need_apt+=(postgresql-client)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "installing ${need_apt[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

export GONGKAI_SCALE_PG_ADMIN="${GONGKAI_SCALE_PG_ADMIN:-${GONGKAI_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}}"

# -s 2: load only with both instances; -D 3 -w 1: three seconds per page;
# -Q 100 queued jobs; -R 2 publish trials.
exec scripts/scale/multi-instance.sh -n 2 -s 2 -D 3 -w 1 -Q 100 -R 2 "$@"
