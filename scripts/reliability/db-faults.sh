#!/usr/bin/env bash
# Database faults: `gongkai serve --demo` on PostgreSQL through a
# fault-injecting TCP proxy (Shopify's toxiproxy v2.5.0, built from the Go
# module proxy and cached), under a steady stream of public submissions:
#
#   steady → +300 ms latency each way → recovery → TCP resets on half the
#   connections → recovery → a 30 s outage → recovery → PostgreSQL
#   restarted (pg_ctlcluster, as root) → recovery → the attachments folder
#   full (a tmpfs, filled; as root) → recovery
#
# Every request must succeed or fail fast (within 6 s) with 503 and
# Retry-After — or, for a form whose attachment cannot be stored, come back
# with the disk-full message at the file field — never a 500, another
# error or a hang; /readyz must say 503 during the outage; the first
# submission after each fault must be acknowledged within 15 s; and at the
# end every acknowledged submission must be in the database with its
# attachment, no attachment row may lack its file, and pg_amcheck and the
# audit chain must pass.
#
#   scripts/reliability/db-faults.sh [--short] [gkdrill db-faults flags…]
#
# --short: 4 s phases and an 8 s outage (CI). Report:
# $GKDRILL_OUT/db-faults.json. Restarting PostgreSQL ends every session of
# the machine's cluster: run it where nothing else needs the database, or
# pass --pg-restart "".
set -euo pipefail
cd "$(dirname "$0")/../.."
set -- --db postgres "$@"
# shellcheck source=scripts/reliability/lib.sh
. scripts/reliability/lib.sh

toxi_dir="${GONGKAI_CI_CACHE:-$HOME/.cache/gongkai-ci}/toxiproxy-v2.5.0"
if [ ! -x "$toxi_dir/server" ]; then
	echo "building toxiproxy-server v2.5.0 into $toxi_dir"
	mkdir -p "$toxi_dir"
	GOBIN="$toxi_dir" GOFLAGS=-mod=mod go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0
fi

flags=(--rate 60 --clients 16)
if [ "$short" = 1 ]; then
	flags+=(--phase 4s --outage 8s)
fi
"$bin/gkdrill" db-faults --gongkai "$bin/gongkai" --toxiproxy "$toxi_dir/server" --pg-url "$pg_url" \
	--report "$out/db-faults.json" "${flags[@]}" "${extra[@]}"
