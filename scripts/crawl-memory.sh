#!/usr/bin/env bash
# crawl-memory.sh — the memory of a running `gongkai serve` under a crawl of
# distinct pages: N random published items, 500 pages of a column list and of
# the platform list, and 180 searches, shuffled, 32 at a time.
#
# Usage: scripts/crawl-memory.sh URL PID (DATA_DIR | postgres://…) [N]
#
#   URL   the server, e.g. http://127.0.0.1:8080
#   PID   its process ID (for VmRSS / VmHWM)
#   DATA_DIR or a PostgreSQL URL: where to pick the items (sqlite3 or psql)
#   N     distinct items (default 20000)
#
# Prints the status counts, the time, the peak RSS sampled every 0.5 s, and
# the Go runtime's view from /metrics (which must allow the client).
set -euo pipefail
[[ $# -ge 3 ]] || { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }
URL=$1 PID=$2 SRC=$3 N=${4:-20000}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gk-crawl.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
pick="SELECT '/o/' || a.slug || '/items/' || i.id FROM items i JOIN agencies a ON a.id = i.agency_id
	WHERE i.status = 'published' ORDER BY random() LIMIT $N"
{
	if [[ $SRC == postgres://* ]]; then
		psql "$SRC" -tAc "$pick"
	else
		sqlite3 -readonly "$SRC/gongkai.db" "$pick"
	fi
	for p in $(seq 1 500); do echo "/o/mzzj/gk/zcwj?page=$p"; echo "/items?page=$p"; done
	for w in %E5%AE%97%E6%95%99 %E7%AE%A1%E7%90%86 %E6%B0%91%E6%97%8F %E5%AE%89%E5%85%A8 %E6%B8%85%E7%9C%9F \
		%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80 %E6%B8%85%E7%9C%9F%E9%A3%9F%E5%93%81 %E5%B0%91%E6%95%B0%E6%B0%91%E6%97%8F \
		%E8%A1%8C%E6%94%BF%E8%AE%B8%E5%8F%AF %E6%B3%95%E5%BE%8B%E6%8F%B4%E5%8A%A9 %E9%92%A6%E8%B5%90 %E4%BD%98%E5%B1%B1 \
		%E7%96%AB%E6%83%85%E9%98%B2%E6%8E%A7 %E6%B0%91%E6%97%8F%E5%9B%A2%E7%BB%93 %E5%AE%97%E6%95%99%E5%9B%A2%E4%BD%93 \
		%E6%9C%8D%E5%8A%A1 %E5%9C%BA%E6%89%80 %E5%85%AC%E5%BC%80; do
		for p in 1 2 3 4 5 6 7 8 9 10; do echo "/search?q=$w&page=$p"; done
	done
} | shuf | awk -v b="$URL" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $0 }' >"$TMP/crawl.curl"
(while kill -0 "$PID" 2>/dev/null; do awk '/^VmRSS/ { print $2 }' "/proc/$PID/status"; sleep 0.5; done) >"$TMP/rss" &
sampler=$!
echo "idle: VmRSS $(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status") kB"
start=$(date +%s)
curl -sS --no-progress-meter --parallel --parallel-max 32 -H 'Accept-Encoding: gzip' -w '%{http_code}\n' -K "$TMP/crawl.curl" |
	sort | uniq -c | awk '{ printf "HTTP %s × %s\n", $2, $1 }'
echo "$(grep -c '^url' "$TMP/crawl.curl") requests in $(($(date +%s) - start)) s"
sleep 2
kill "$sampler"
echo "RSS: peak sampled $(sort -n "$TMP/rss" | tail -1) kB, now $(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status") kB, VmHWM $(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status") kB"
curl -fsS "$URL/metrics" | grep -E '^(go_memstats_heap_inuse_bytes|go_memstats_sys_bytes|go_gc_gomemlimit_bytes) ' || true
