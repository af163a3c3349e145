#!/usr/bin/env bash
# loadtest.sh — cached public pages of gongkai against nginx serving the same
# bytes as static files, side by side in one run.
#
# Usage:
#   scripts/loadtest.sh [options]
#
#   -b BINARY    gongkai binary (default: go build ./cmd/gongkai into a temp dir)
#   -d DIR       data folder to serve; its database must already hold data
#                (default: a new temp folder loaded with the demo data)
#   -i ID        published item ID for the item page (default: the first item
#                linked from the list page)
#   -l PATH      list page (default /o/mzzj/gk/zcwj)
#   -t THREADS   wrk threads (default 1)
#   -c CONNS     wrk connections (default 32)
#   -D SECONDS   duration of each measured wrk run (default 10)
#   -w SECONDS   warm-up per server and case (default 3)
#   -r ROUNDS    measured rounds per case, alternating which server goes
#                first (default 3)
#   -p PORT      gongkai port (default 18180; nginx uses PORT+1)
#   -n WORKERS   nginx worker_processes (default: gongkai's GOMAXPROCS)
#   -C N         afterwards, walk N distinct published items (needs sqlite3 and
#                a SQLite data folder) to fill the page cache, and report RSS
#   -k           keep the temp dir (logs, nginx config, fetched pages)
#
# Example:
#   go build -o /tmp/gongkai ./cmd/gongkai
#   scripts/loadtest.sh -b /tmp/gongkai -d /tmp/perf/data -D 10 -r 3
#
# What it does: starts `gongkai serve --data DIR --addr 127.0.0.1:PORT`
# (without --demo when DIR is given, so nothing is loaded into it), fetches the
# item page and the list page from gongkai with and without
# Accept-Encoding: gzip, writes exactly those bytes to files (NAME and
# NAME.gz) served by an nginx it starts from a generated minimal config
# (same Content-Type, gzip_static for the gzip variant, no on-the-fly gzip),
# checks that If-None-Match with the ETag gets 304, then runs wrk against
# both servers in turn with the same settings and prints rps and the ratio.
# Both servers write an access-log line per request to a file in the temp
# dir. The RSS of gongkai (VmRSS, VmHWM) is sampled during and after the load.
#
# Needs: bash, curl, wrk, nginx (with gzip_static), awk; sqlite3 for -C.

set -euo pipefail

BIN="" DATA="" ITEM_ID="" LIST_PATH="/o/mzzj/gk/zcwj"
THREADS=1 CONNS=32 DURATION=10 WARMUP=3 ROUNDS=3 PORT=18180 WORKERS="" CRAWL=0 KEEP=0

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }

while getopts "b:d:i:l:t:c:D:w:r:p:n:C:kh" opt; do
	case $opt in
	b) BIN=$OPTARG ;;
	d) DATA=$OPTARG ;;
	i) ITEM_ID=$OPTARG ;;
	l) LIST_PATH=$OPTARG ;;
	t) THREADS=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	D) DURATION=$OPTARG ;;
	w) WARMUP=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	p) PORT=$OPTARG ;;
	n) WORKERS=$OPTARG ;;
	C) CRAWL=$OPTARG ;;
	k) KEEP=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -eq 0 ]] || usage

for tool in curl wrk nginx awk; do
	command -v "$tool" >/dev/null || { echo "loadtest: $tool not found" >&2; exit 1; }
done

NGINX_PORT=$((PORT + 1))
GK="http://127.0.0.1:$PORT"
NG="http://127.0.0.1:$NGINX_PORT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gk-loadtest.XXXXXX")
GK_PID="" NGINX_PID="" SAMPLER_PID=""

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for pid in "$SAMPLER_PID" "$NGINX_PID" "$GK_PID"; do
		if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	if ((KEEP)); then
		echo "loadtest: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }
die() { say "loadtest: $*"; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_in_use "$PORT" && die "port $PORT is in use (choose another with -p)"
port_in_use "$NGINX_PORT" && die "port $NGINX_PORT is in use (choose another with -p)"

# --- gongkai ---------------------------------------------------------------

if [[ -z $BIN ]]; then
	root=$(cd "$(dirname "$0")/.." && pwd)
	say "building gongkai …"
	(cd "$root" && go build -o "$TMP/gongkai" ./cmd/gongkai)
	BIN=$TMP/gongkai
fi
[[ -x $BIN ]] || die "$BIN is not executable"

serve_args=(serve --addr "127.0.0.1:$PORT")
if [[ -n $DATA ]]; then
	[[ -d $DATA ]] || die "$DATA is not a folder"
	serve_args+=(--data "$DATA") # never --demo: the database already holds data
else
	DATA=$TMP/data
	serve_args+=(--data "$DATA" --demo)
fi

say "starting $BIN ${serve_args[*]}"
# The log is opened for appending so that it can be emptied between runs.
"$BIN" "${serve_args[@]}" >"$TMP/gongkai.out" 2>>"$TMP/gongkai.log" &
GK_PID=$!
for _ in $(seq 600); do
	curl -fsS -o /dev/null "$GK/healthz" 2>/dev/null && break
	kill -0 "$GK_PID" 2>/dev/null || { tail -20 "$TMP/gongkai.log" >&2; die "gongkai exited"; }
	sleep 0.1
done
curl -fsS -o /dev/null "$GK/healthz" || die "gongkai did not come up"

rss() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

GOMAXPROCS_GK=$(curl -fsS "$GK/metrics" 2>/dev/null | awk '$1 == "go_sched_gomaxprocs_threads" { print $2 }' || true)
: "${GOMAXPROCS_GK:=unknown}"
if [[ -z $WORKERS ]]; then
	if [[ $GOMAXPROCS_GK =~ ^[0-9]+$ ]]; then WORKERS=$GOMAXPROCS_GK; else WORKERS=auto; fi
fi

# --- pages -----------------------------------------------------------------

if [[ -z $ITEM_ID ]]; then
	ITEM_PATH=$(curl -fsS "$GK$LIST_PATH" | grep -o '/o/[a-z0-9-]*/items/[0-9]*"' | head -1 | tr -d '"' || true)
	[[ -n $ITEM_PATH ]] || die "no item linked from $LIST_PATH (use -i)"
else
	slug=$(cut -d/ -f3 <<<"$LIST_PATH")
	ITEM_PATH=/o/$slug/items/$ITEM_ID
fi

WWW=$TMP/www
mkdir -p "$WWW"
chmod 755 "$TMP" "$WWW" # nginx workers may run as another user

header() { awk -v k="$(tr '[:upper:]' '[:lower:]' <<<"$2")" 'BEGIN{IGNORECASE=1} { sub(/\r$/, "") } tolower($1) == k":" { sub(/^[^:]*: */, ""); print; exit }' "$1"; }

# fetch NAME PATH: the plain and gzip bodies as gongkai serves them (after a
# first request that fills the cache).
fetch() {
	local name=$1 path=$2
	curl -fsS -o /dev/null "$GK$path"
	curl -fsS -o /dev/null -H 'Accept-Encoding: gzip' "$GK$path"
	curl -fsS -D "$TMP/$name.hdr" -o "$WWW/$name" "$GK$path" || die "GET $path failed"
	curl -fsS -D "$TMP/$name.gz.hdr" -o "$WWW/$name.gz" -H 'Accept-Encoding: gzip' "$GK$path" || die "GET $path (gzip) failed"
	[[ $(header "$TMP/$name.gz.hdr" Content-Encoding) == gzip ]] || die "$path: no gzip variant"
	gzip -dc "$WWW/$name.gz" | cmp -s - "$WWW/$name" || die "$path: gzip variant differs from the plain page"
	chmod 644 "$WWW/$name" "$WWW/$name.gz"
}
fetch item "$ITEM_PATH"
fetch list "$LIST_PATH"
CTYPE=$(header "$TMP/item.hdr" Content-Type)
[[ $(header "$TMP/list.hdr" Content-Type) == "$CTYPE" ]] || die "item and list pages differ in Content-Type"

# --- 304 -------------------------------------------------------------------

status() { curl -sS -o /dev/null -w '%{http_code}' "$@"; }
check304() { # label path hdrfile [curl args]
	local label=$1 path=$2 hdr=$3 etag lm got
	shift 3
	etag=$(header "$hdr" ETag)
	lm=$(header "$hdr" Last-Modified)
	got=$(status "$@" -H "If-None-Match: $etag" "$GK$path")
	printf '  %-22s If-None-Match %s → %s\n' "$label" "$etag" "$got"
	[[ $got == 304 ]] || FAIL304=1
	got=$(status "$@" -H "If-Modified-Since: $lm" "$GK$path")
	printf '  %-22s If-Modified-Since → %s\n' "$label" "$got"
	[[ $got == 304 ]] || FAIL304=1
	got=$(status "$@" -H 'If-None-Match: "other"' "$GK$path")
	printf '  %-22s If-None-Match "other" → %s\n' "$label" "$got"
	[[ $got == 200 ]] || FAIL304=1
}
FAIL304=0
echo "Conditional requests (gongkai):"
check304 "item" "$ITEM_PATH" "$TMP/item.hdr"
check304 "item (gzip)" "$ITEM_PATH" "$TMP/item.gz.hdr" -H 'Accept-Encoding: gzip'
check304 "list" "$LIST_PATH" "$TMP/list.hdr"
check304 "list (gzip)" "$LIST_PATH" "$TMP/list.gz.hdr" -H 'Accept-Encoding: gzip'
((FAIL304 == 0)) && echo "  304 check: ok" || echo "  304 check: FAILED"

# --- nginx -----------------------------------------------------------------

mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes $WORKERS;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log $TMP/nginx/access.log combined;
	client_body_temp_path $TMP/nginx/client_body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	types { }
	default_type "$CTYPE";
	charset off;
	sendfile on;
	tcp_nopush on;
	open_file_cache max=64 inactive=60s;
	keepalive_requests 1000000;
	keepalive_timeout 65s;
	gzip off;
	gzip_static on;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $WWW;
		location = /item { try_files /item =404; }
		location = /list { try_files /list =404; }
	}
}
EOF
nginx -t -q -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" || die "bad nginx config"
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
NGINX_PID=$!
for _ in $(seq 50); do
	curl -fsS -o /dev/null "$NG/item" 2>/dev/null && break
	sleep 0.1
done
for name in item list; do
	curl -fsS -o "$TMP/ng-$name" "$NG/$name" || die "nginx: GET /$name failed"
	cmp -s "$TMP/ng-$name" "$WWW/$name" || die "nginx serves other bytes for /$name"
	curl -fsS -D "$TMP/ng-$name.gz.hdr" -o "$TMP/ng-$name.gz" -H 'Accept-Encoding: gzip' "$NG/$name" || die "nginx: GET /$name (gzip) failed"
	cmp -s "$TMP/ng-$name.gz" "$WWW/$name.gz" || die "nginx serves other gzip bytes for /$name"
	[[ $(header "$TMP/ng-$name.gz.hdr" Content-Type) == "$CTYPE" ]] || die "nginx: other Content-Type"
done

# --- RSS sampler -------------------------------------------------------------

(
	while kill -0 "$GK_PID" 2>/dev/null; do
		rss "$GK_PID" VmRSS
		sleep 0.5
	done
) >"$TMP/rss.samples" &
SAMPLER_PID=$!
RSS_IDLE=$(rss "$GK_PID" VmRSS)

# --- load ------------------------------------------------------------------

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # PID…: user + system CPU ticks so far
	local t=0 p
	for p in "$@"; do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

# CPU ticks of user and system work on the whole machine (interrupt time,
# which the loopback traffic of the test causes, is left out).
sys_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 }' /proc/stat; }
# The CPU seconds of this shell's finished children (wrk), from the builtin
# `times`, which must run in the shell itself, not in a subshell.
children_secs() { # FILE
	times >"$1"
	awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"
}

# run gk|ng URL SECONDS [wrk args]: prints "rps cpu% requests logged other%
# wrk%": wrk's requests per second, the server's CPU use in % of one core,
# wrk's request count, the access-log lines the server wrote meanwhile, the
# CPU that neither the server nor wrk used (other processes: should be near
# 0) and wrk's own CPU use.
# Fails on socket errors or non-2xx/3xx answers. The access logs are emptied
# before each run so that they do not fill the disk over a long run.
run() {
	local srv=$1 url=$2 dur=$3 out log t0 t1 s0 s1 w0 w1 logged f=$TMP/run.$BASHPID
	local -a pids
	shift 3
	if [[ $srv == gk ]]; then
		log=$TMP/gongkai.log
		pids=("$GK_PID")
	else
		log=$TMP/nginx/access.log
		mapfile -t pids < <(pgrep -P "$NGINX_PID")
		pids+=("$NGINX_PID")
	fi
	: >"$log"
	children_secs "$f.times" >"$f.w0"
	t0=$(cpu_ticks "${pids[@]}") s0=$(sys_ticks)
	wrk -t"$THREADS" -c"$CONNS" -d"${dur}s" "$@" "$url" >"$f.wrk"
	t1=$(cpu_ticks "${pids[@]}") s1=$(sys_ticks)
	children_secs "$f.times" >"$f.w1"
	w0=$(<"$f.w0") w1=$(<"$f.w1") out=$(<"$f.wrk")
	if grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
		say "$out"
		die "errors in the run against $url"
	fi
	sleep 0.2 # the last requests' log lines
	logged=$(wc -l <"$log")
	: >"$log"
	awk -v t="$((t1 - t0))" -v s="$((s1 - s0))" -v w0="$w0" -v w1="$w1" -v hz="$CLK_TCK" -v d="$dur" -v l="$logged" '
		/^Requests\/sec:/ { rps = $2 }
		/ requests in / { n = $1 }
		END {
			other = 100 * ((s - t) / hz - (w1 - w0)) / d
			printf "%s %.0f %d %d %.0f %.0f\n", rps, 100 * t / hz / d, n, l, (other < 0 ? 0 : other), 100 * (w1 - w0) / d
		}' <<<"$out"
}

declare -a ROWS=()
REQ_GK=0 LOG_GK=0 REQ_NG=0 LOG_NG=0 BUSY=0
# measure LABEL GK_PATH NGINX_PATH GK_HEADER NGINX_HEADER [wrk args for both]:
# a warm-up against each, then ROUNDS measured runs of each, alternating which
# server goes first; the row is the mean of the rounds. GK_HEADER and
# NGINX_HEADER are one extra header for that server only (or "").
measure() {
	local label=$1 gpath=$2 npath=$3 r g n sum_g=0 sum_n=0 cpu_g=0 cpu_n=0
	local -a gh=() nh=() gr nr
	[[ -n $4 ]] && gh=(-H "$4")
	[[ -n $5 ]] && nh=(-H "$5")
	shift 5
	run ng "$NG$npath" "$WARMUP" "$@" "${nh[@]}" >/dev/null
	run gk "$GK$gpath" "$WARMUP" "$@" "${gh[@]}" >/dev/null
	for ((r = 1; r <= ROUNDS; r++)); do
		if ((r % 2)); then
			read -ra nr <<<"$(run ng "$NG$npath" "$DURATION" "$@" "${nh[@]}")"
			read -ra gr <<<"$(run gk "$GK$gpath" "$DURATION" "$@" "${gh[@]}")"
		else
			read -ra gr <<<"$(run gk "$GK$gpath" "$DURATION" "$@" "${gh[@]}")"
			read -ra nr <<<"$(run ng "$NG$npath" "$DURATION" "$@" "${nh[@]}")"
		fi
		n=${nr[0]} g=${gr[0]}
		say "  $label, round $r: nginx $n rps (CPU ${nr[1]}%, wrk ${nr[5]}%), gongkai $g rps (CPU ${gr[1]}%, wrk ${gr[5]}%); other processes ${nr[4]}%, ${gr[4]}%"
		if ((nr[4] > 10 || gr[4] > 10)); then
			BUSY=1
		fi
		sum_n=$(awk -v a="$sum_n" -v b="$n" 'BEGIN { print a + b }')
		sum_g=$(awk -v a="$sum_g" -v b="$g" 'BEGIN { print a + b }')
		cpu_n=$((cpu_n + nr[1])) cpu_g=$((cpu_g + gr[1]))
		REQ_NG=$((REQ_NG + nr[2])) LOG_NG=$((LOG_NG + nr[3]))
		REQ_GK=$((REQ_GK + gr[2])) LOG_GK=$((LOG_GK + gr[3]))
	done
	ROWS+=("$(awk -v l="$label" -v n="$sum_n" -v g="$sum_g" -v r="$ROUNDS" -v cn="$cpu_n" -v cg="$cpu_g" \
		'BEGIN { printf "| %-22s | %9.0f | %11.0f | %5.2f | %8.0f%% | %10.0f%% |", l, n / r, g / r, g / n, cn / r, cg / r }')")
}

say "wrk -t$THREADS -c$CONNS -d${DURATION}s, $ROUNDS rounds alternating, ${WARMUP}s warm-up; nginx worker_processes $WORKERS, gongkai GOMAXPROCS $GOMAXPROCS_GK"
GZ=(-H 'Accept-Encoding: gzip')
measure "item page" "$ITEM_PATH" /item "" ""
measure "item page, gzip" "$ITEM_PATH" /item "" "" "${GZ[@]}"
measure "list page" "$LIST_PATH" /list "" ""
measure "list page, gzip" "$LIST_PATH" /list "" "" "${GZ[@]}"
# Revalidation: each server gets its own ETag of the gzip variant.
gk_etag=$(header "$TMP/item.gz.hdr" ETag)
ng_etag=$(header "$TMP/ng-item.gz.hdr" ETag)
[[ $(status -H "If-None-Match: $ng_etag" "${GZ[@]}" "$NG/item") == 304 ]] || die "nginx does not answer 304"
measure "item page, gzip, 304" "$ITEM_PATH" /item "If-None-Match: $gk_etag" "If-None-Match: $ng_etag" "${GZ[@]}"

sleep 2
RSS_AFTER=$(rss "$GK_PID" VmRSS)
RSS_PEAK_SAMPLED=$(sort -n "$TMP/rss.samples" | tail -1)
HWM=$(rss "$GK_PID" VmHWM)

echo
echo "gongkai $ITEM_PATH: $(wc -c <"$WWW/item") bytes, gzip $(wc -c <"$WWW/item.gz"); $LIST_PATH: $(wc -c <"$WWW/list") bytes, gzip $(wc -c <"$WWW/list.gz")"
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s × $ROUNDS rounds (mean); nginx worker_processes $WORKERS; gongkai GOMAXPROCS $GOMAXPROCS_GK"
echo
echo "| case                   | nginx rps | gongkai rps | ratio | nginx CPU | gongkai CPU |"
echo "|------------------------|----------:|------------:|------:|----------:|------------:|"
printf '%s\n' "${ROWS[@]}"
echo
echo "gongkai RSS: idle ${RSS_IDLE} kB, peak sampled during load ${RSS_PEAK_SAMPLED} kB, after load ${RSS_AFTER} kB, VmHWM ${HWM} kB"
echo "CPU: % of one core used by the server during the measured runs (wrk uses the rest)"
if ((BUSY)); then
	echo "WARNING: other processes used more than 10% of a core during some runs: the numbers are not clean"
fi
echo "access log, measured runs: gongkai $LOG_GK lines for $REQ_GK requests, nginx $LOG_NG lines for $REQ_NG requests"

# --- optional crawl: fill the page cache with distinct items ----------------

if ((CRAWL > 0)); then
	command -v sqlite3 >/dev/null || die "-C needs sqlite3"
	[[ -f $DATA/gongkai.db ]] || die "-C needs a SQLite data folder"
	sqlite3 -readonly "$DATA/gongkai.db" \
		"SELECT '/o/' || a.slug || '/items/' || i.id FROM items i JOIN agencies a ON a.id = i.agency_id
		 WHERE i.status = 'published' ORDER BY i.id LIMIT $CRAWL" >"$TMP/crawl.paths"
	awk -v base="$GK" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", base, $0 }' "$TMP/crawl.paths" >"$TMP/crawl.curl"
	n=$(wc -l <"$TMP/crawl.paths")
	say "crawling $n distinct items …"
	start=$(date +%s)
	curl -sS --no-progress-meter --parallel --parallel-max "$CONNS" -H 'Accept-Encoding: gzip' -w '%{http_code}\n' -K "$TMP/crawl.curl" >"$TMP/crawl.status"
	secs=$(($(date +%s) - start))
	sleep 2
	echo
	echo "crawl of $n distinct items in ${secs}s: HTTP status counts: $(sort "$TMP/crawl.status" | uniq -c | awk '{ printf "%s×%s ", $2, $1 }')"
	echo "gongkai RSS after crawl: $(rss "$GK_PID" VmRSS) kB, peak sampled $(sort -n "$TMP/rss.samples" | tail -1) kB, VmHWM $(rss "$GK_PID" VmHWM) kB"
	curl -fsS "$GK/metrics" | grep -E '^(go_memstats_heap_inuse_bytes|go_memstats_heap_alloc_bytes|go_memstats_sys_bytes|go_gc_gogc_percent|go_gc_gomemlimit_bytes) ' || true
fi

((FAIL304 == 0)) || exit 1
