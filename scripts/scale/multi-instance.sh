#!/usr/bin/env bash
# multi-instance.sh — several `gongkai serve` processes on one PostgreSQL
# database behind nginx on loopback: correctness checks, then a load test.
#
# Usage:
#   scripts/scale/multi-instance.sh [options]
#
#   -n N        instances (default 3, 2–9)
#   -s LIST     instance counts to load-test, e.g. "1 2 3" (default 1..N);
#               "" skips the load test
#   -D SECONDS  duration of each measured wrk run (default 10)
#   -w SECONDS  warm-up before each measured run (default 3)
#   -t THREADS  wrk threads (default 2)
#   -c CONNS    wrk connections (default 64)
#   -Q JOBS     queued jobs (mails) to enqueue for the exactly-once check
#               (default 200)
#   -T MS       longest accepted delay before a change made on one instance
#               shows on the others (default 2000)
#   -R TRIALS   publish trials (default 3)
#   -P PORT     base port (default 18400): nginx on PORT, instance i on
#               PORT+i, the SMTP sink on PORT+20
#   -u URL      PostgreSQL URL of a database to connect to for CREATE/DROP
#               DATABASE (default $GONGKAI_SCALE_PG_ADMIN or
#               postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)
#   -b BINARY   gongkai binary (default: go build ./cmd/gongkai once)
#   -o FILE     also write the results (markdown) to FILE
#   -k          keep the temp dir (logs, nginx config, wrk output)
#
# Examples:
#   scripts/scale/multi-instance.sh                      # full run, ~4 min
#   scripts/scale/multi-instance.sh -n 2 -s 2 -D 3 -w 1  # CI: checks, brief load
#
# What it does. A fresh PostgreSQL database is created for the run and
# dropped at the end. Every instance gets the same environment, as the
# README's "Deploying on PostgreSQL with several instances" says:
# GONGKAI_DATABASE_URL, GONGKAI_SECRET_KEY, GONGKAI_BASE_URL,
# GONGKAI_BLOB_URL (one shared folder), GONGKAI_TRUSTED_PROXIES=127.0.0.1/32,
# JSON logs at debug level (the scheduler logs each run at debug) and an
# SMTP server (a local sink, scripts/scale/smtp-sink.py). Instance 1 starts
# with --demo, instances 2..N without it. nginx (the Debian package, started
# from a generated config under the temp dir, not the system one) proxies
# to them round robin with the README's proxy settings.
#
# Checks (each prints PASS or FAIL; any FAIL fails the script):
#   proxy      requests through nginx reach every instance in turn, and an
#              instance logs the client address from X-Forwarded-For (the
#              proxy is trusted)
#   sessions   a staff account made with `gongkai user add` logs in with the
#              HTML form on instance 1; the session cookie opens the console
#              on every other instance; a logout on instance 2 ends the
#              session on instance 1 too
#   publish    with the console session, an update is posted on instance 1
#              to a topical column whose public page every other instance
#              has in its page cache (hit counted in /metrics); pollers on
#              the other instances measure how long until the update shows
#              (page-cache invalidation through the content version, checked
#              every second); a venue created with an API token (`gongkai
#              token create`) through the staff API on instance 1 shows in
#              the others' public API, and they render their cached home
#              page again (a page-cache miss in /metrics: the page's bytes,
#              ETag and Last-Modified stay the same, as the venue is not on
#              it)
#   jobs       JOBS mails are queued in one transaction (outbox rows and
#              notify.send jobs, as notify.Queue writes them); every job
#              must run exactly once across the instances: one "job done"
#              log line per job over all instance logs, jobs and outbox rows
#              with one attempt, one message per outbox row at the SMTP
#              sink, and at least two instances sharing the work; and every
#              period of the periodic jobs (disclosure.publish_due runs every
#              minute) must have run exactly once across the instances over
#              the whole run (the script waits for at least one minute
#              boundary)
# Load (when -s is not empty): for each instance count in LIST, nginx is
# restarted with that many upstream servers and wrk --latency runs against
# nginx on the platform home page (/), a list page (/o/mzzj/gk/zcwj), both
# answered from the page cache, and /search with varying queries and pages
# (never cached: PostgreSQL full-text search on every request). It reports
# req/s, p50, p99 (wrk --timeout 10s: a slower answer counts as an error,
# as do non-2xx answers and socket errors, and fails the script) and where
# the CPU went: the instances, nginx, the PostgreSQL backends of this run's
# database, wrk, and everything else ("other": other processes, PostgreSQL's
# background writers; near 0 on an otherwise idle machine).
#
# Needs: bash, curl, psql, python3, go (unless -b); nginx and wrk are
# installed with apt-get when missing.

set -euo pipefail

N=3 LOAD_LIST="-" DURATION=10 WARMUP=3 THREADS=2 CONNS=64 NJOBS=200 MAX_DELAY_MS=2000 TRIALS=3
BASE_PORT=18400 ADMIN_URL=${GONGKAI_SCALE_PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
BIN="" OUT="" KEEP=0

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }

while getopts "n:s:D:w:t:c:Q:T:R:P:u:b:o:kh" opt; do
	case $opt in
	n) N=$OPTARG ;;
	s) LOAD_LIST=$OPTARG ;;
	D) DURATION=$OPTARG ;;
	w) WARMUP=$OPTARG ;;
	t) THREADS=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	Q) NJOBS=$OPTARG ;;
	T) MAX_DELAY_MS=$OPTARG ;;
	R) TRIALS=$OPTARG ;;
	P) BASE_PORT=$OPTARG ;;
	u) ADMIN_URL=$OPTARG ;;
	b) BIN=$OPTARG ;;
	o) OUT=$OPTARG ;;
	k) KEEP=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -eq 0 ]] || usage
[[ $N =~ ^[2-9]$ ]] || { echo "multi-instance: -n must be 2–9" >&2; exit 2; }
if [[ $LOAD_LIST == "-" ]]; then LOAD_LIST=$(seq -s ' ' 1 "$N"); fi
for n in $LOAD_LIST; do
	if ! [[ $n =~ ^[1-9]$ ]] || ((n > N)); then
		echo "multi-instance: -s: $n is not an instance count between 1 and $N" >&2
		exit 2
	fi
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/scripts/scale

say() { printf '%s\n' "$*" >&2; }
die() { say "multi-instance: $*"; exit 1; }

# --- tools -------------------------------------------------------------------

need_apt=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_apt+=(nginx)
command -v wrk >/dev/null || need_apt+=(wrk)
if ((${#need_apt[@]})); then
	say "installing ${need_apt[*]} …"
	sudo=""
	((EUID == 0)) || sudo=sudo
	$sudo apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
export PATH=$PATH:/usr/sbin
for tool in curl psql python3 nginx wrk awk; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -n $BIN ]] || command -v go >/dev/null || die "go not found (or pass -b BINARY)"

# --- run state and cleanup ----------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gk-multi.XXXXXX")
chmod 755 "$TMP" # nginx workers may run as another user
RUN=$(date +%s)$$
DBNAME=gk_scale_$RUN
NGINX_PORT=$BASE_PORT
SMTP_PORT=$((BASE_PORT + 20))
NG=http://127.0.0.1:$NGINX_PORT
declare -a GK_PID=() GK_URL=()
NGINX_PID="" SINK_PID="" DB_CREATED=0
declare -a POLLERS=()

inst_url() { echo "http://127.0.0.1:$((BASE_PORT + $1))"; }

stop_pid() {
	local pid=$1
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
}

admin_psql() { psql "$ADMIN_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for pid in "${POLLERS[@]}"; do stop_pid "$pid"; done
	stop_pid "$NGINX_PID"
	for pid in "${GK_PID[@]}"; do stop_pid "$pid"; done
	stop_pid "$SINK_PID"
	if ((DB_CREATED)); then
		admin_psql -c "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" >/dev/null 2>&1 ||
			say "multi-instance: could not drop database $DBNAME"
	fi
	if ((KEEP)); then
		say "multi-instance: kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$NGINX_PORT" "$SMTP_PORT" $(seq $((BASE_PORT + 1)) $((BASE_PORT + N))); do
	port_in_use "$p" && die "port $p is in use (choose another base port with -P)"
done

# now_ms: wall clock in milliseconds, without forking.
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

FAILS=0
declare -a SUMMARY=()
pass() { say "PASS $*"; SUMMARY+=("PASS $*"); }
fail() { say "FAIL $*"; SUMMARY+=("FAIL $*"); FAILS=$((FAILS + 1)); }

# --- database, binary, SMTP sink ------------------------------------------------

admin_psql -c "CREATE DATABASE $DBNAME" >/dev/null || die "cannot create database $DBNAME with $ADMIN_URL"
DB_CREATED=1
# The same server and credentials, another database name.
DB_URL=$(python3 - "$ADMIN_URL" "$DBNAME" <<'EOF'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(u._replace(path="/" + sys.argv[2])))
EOF
)
dbq() { psql "$DB_URL" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

if [[ -z $BIN ]]; then
	say "building gongkai …"
	(cd "$ROOT" && go build -o "$TMP/gongkai" ./cmd/gongkai)
	BIN=$TMP/gongkai
fi
[[ -x $BIN ]] || die "$BIN is not executable"

python3 "$HERE/smtp-sink.py" "$SMTP_PORT" "$TMP/smtp.log" 0.05 2>"$TMP/smtp.err" &
SINK_PID=$!
touch "$TMP/smtp.log"

# --- instances -------------------------------------------------------------------

mkdir -p "$TMP/attachments"
export GONGKAI_DATABASE_URL=$DB_URL
GONGKAI_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export GONGKAI_SECRET_KEY
export GONGKAI_BASE_URL=$NG
export GONGKAI_BLOB_URL=file://$TMP/attachments
export GONGKAI_TRUSTED_PROXIES=127.0.0.1/32
export GONGKAI_LOG_FORMAT=json GONGKAI_LOG_LEVEL=debug
export GONGKAI_SMTP_HOST=127.0.0.1 GONGKAI_SMTP_PORT=$SMTP_PORT GONGKAI_SMTP_SECURITY=none
export GONGKAI_SMTP_FROM='政务公开 <noreply@example.org>'
unset GONGKAI_ADDR GONGKAI_DATA

# wait_ready URL PID SECONDS
wait_ready() {
	local url=$1 pid=$2 deadline=$(($(now_ms) + $3 * 1000))
	while (($(now_ms) < deadline)); do
		curl -fsS -o /dev/null --max-time 2 "$url/readyz" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

start_instance() { # i [extra args]
	local i=$1 url
	shift
	url=$(inst_url "$i")
	"$BIN" serve --addr "127.0.0.1:$((BASE_PORT + i))" --data "$TMP/data$i" "$@" >"$TMP/gk$i.out" 2>"$TMP/gk$i.log" &
	GK_PID[i]=$!
	GK_URL[i]=$url
	if ! wait_ready "$url" "${GK_PID[i]}" 300; then
		tail -20 "$TMP/gk$i.log" >&2
		die "instance $i did not become ready"
	fi
	say "instance $i ready at $url (pid ${GK_PID[i]})"
}

say "database $DBNAME; starting instance 1 with --demo …"
start_instance 1 --demo
grep -q '演示账号' "$TMP/gk1.out" || die "instance 1 did not load the demo data"
for ((i = 2; i <= N; i++)); do start_instance "$i"; done
for ((i = 2; i <= N; i++)); do
	if grep -q '演示账号' "$TMP/gk$i.out"; then fail "demo: instance $i loaded the demo data again"; fi
done
T_ALL_UP=$(now_ms)

# --- nginx ---------------------------------------------------------------------------

mkdir -p "$TMP/nginx"
chmod 777 "$TMP/nginx"
nginx_conf() { # instances
	local n=$1 i servers=""
	for ((i = 1; i <= n; i++)); do servers+="server 127.0.0.1:$((BASE_PORT + i)); "; done
	cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log $TMP/nginx/access.log combined buffer=64k;
	client_body_temp_path $TMP/nginx/client_body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	keepalive_requests 1000000;
	upstream gongkai { $servers keepalive 64; }
	server {
		listen 127.0.0.1:$NGINX_PORT;
		client_max_body_size 60m;
		location / {
			proxy_pass http://gongkai;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host \$host;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			proxy_set_header X-Forwarded-Proto \$scheme;
		}
		location = /metrics { deny all; }
	}
}
EOF
}

start_nginx() { # instances
	stop_pid "$NGINX_PID"
	NGINX_PID=""
	nginx_conf "$1"
	nginx -t -q -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" 2>"$TMP/nginx/test.log" ||
		die "bad nginx config: $(cat "$TMP/nginx/test.log")"
	nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
	NGINX_PID=$!
	local k
	for k in $(seq 50); do
		curl -fsS -o /dev/null "$NG/readyz" 2>/dev/null && return 0
		sleep 0.1
	done
	die "nginx did not come up (see $TMP/nginx/error.log)"
}

start_nginx "$N"

# log_requests PATH: "instance-number ip" for each request to PATH logged by
# the instances.
log_requests() {
	local i
	for ((i = 1; i <= N; i++)); do
		grep -F "\"path\":\"$1\"" "$TMP/gk$i.log" | grep -o '"ip":"[^"]*"' | sed "s/^/$i /" || true
	done
}

say
say "== proxy"
P=/mi-proxy-$RUN
for ((k = 0; k < 3 * N; k++)); do curl -s -o /dev/null -H 'X-Forwarded-For: 203.0.113.7' "$NG$P"; done
sleep 0.3
hits=$(log_requests "$P")
per=$(awk '{ c[$1]++ } END { for (i in c) printf "%s:%d ", i, c[i] }' <<<"$hits")
if (($(awk '{ print $1 }' <<<"$hits" | sort -u | wc -l) == N)); then
	pass "proxy: $((3 * N)) requests through nginx reached every instance (instance:requests $per)"
else
	fail "proxy: requests through nginx reached only ($per) of $N instances"
fi
if [[ -n $hits ]] && ! grep -qv '"ip":"203.0.113.7"' <<<"$hits"; then
	pass "proxy: the instances log the client address from X-Forwarded-For (203.0.113.7), nginx being a trusted proxy"
else
	fail "proxy: client addresses logged: $(awk '{ print $2 }' <<<"$hits" | sort | uniq -c | tr '\n' ' ')"
fi

# --- sessions ---------------------------------------------------------------------------

say
say "== sessions"
USER=mi.editor$RUN
PASSWORD="Mi-Scale-$RUN-pw!"
printf '%s\n' "$PASSWORD" | "$BIN" user add --username "$USER" --name 多实例测试员 --roles editor --agency mzzj --password-stdin --data "$TMP/cli" >"$TMP/user.out" 2>&1 ||
	{ cat "$TMP/user.out" >&2; die "gongkai user add failed"; }
JAR=$TMP/cookies
code=$(curl -s -c "$JAR" -b "$JAR" -o "$TMP/login.html" -w '%{http_code}' "${GK_URL[1]}/console/login")
grep -q 'name="password"' "$TMP/login.html" || die "no login form on instance 1 ($code)"
code=$(curl -s -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code} %{redirect_url}' \
	--data-urlencode next=/console/ --data-urlencode "username=$USER" --data-urlencode "password=$PASSWORD" "${GK_URL[1]}/console/login")
SESSION_OK=0
if [[ $code == "303 ${GK_URL[1]}/console/" ]] && grep -q gk_session "$JAR"; then
	SESSION_OK=1
	for ((i = 2; i <= N; i++)); do
		code=$(curl -s -b "$JAR" -o "$TMP/console$i.html" -w '%{http_code}' "${GK_URL[i]}/console/")
		if [[ $code == 200 ]] && grep -q 多实例测试员 "$TMP/console$i.html"; then
			pass "sessions: the session made by logging in on instance 1 opens the console on instance $i (200, as 多实例测试员)"
		else
			fail "sessions: the session from instance 1 on instance $i: $code"
			SESSION_OK=0
		fi
	done
	code=$(curl -s -o /dev/null -w '%{http_code}' "${GK_URL[2]}/console/")
	[[ $code == 303 ]] || fail "sessions: the console on instance 2 answers $code without a session (want 303)"
else
	fail "sessions: login on instance 1 answered $code"
fi

# --- publish ------------------------------------------------------------------------------

say
say "== publish"
metric() { # i name
	curl -fsS "${GK_URL[$1]}/metrics" | awk -v k="$2" '$1 == k { print $2 }'
}

# poller URL MARK FILE: GETs URL until the body contains MARK (or 15 s
# pass), then writes the time in ms to FILE.
poller() {
	local url=$1 mark=$2 file=$3 end=$(($(now_ms) + 15000))
	while (($(now_ms) < end)); do
		if curl -fsS --max-time 2 "$url" 2>/dev/null | grep -qF -- "$mark"; then
			now_ms >"$file"
			return
		fi
		sleep 0.02
	done
}

# pollers_wait: waits for the pollers started; prints nothing.
pollers_wait() {
	local pid
	for pid in "${POLLERS[@]}"; do wait "$pid" 2>/dev/null || true; done
	POLLERS=()
}

# delays FILEPREFIX T0: sets DELAYS to "instance i N ms, …" for each other
# instance ("never" when its poller gave up) and MAXD to the largest delay
# (999999 for never). A change seen before the writer's answer arrived
# counts as 0 ms.
delays() {
	local prefix=$1 t0=$2 i d
	DELAYS="" MAXD=0
	for ((i = 2; i <= N; i++)); do
		if [[ -s $prefix.$i ]]; then
			d=$(($(<"$prefix.$i") - t0))
			if ((d < 0)); then d=0; fi
			DELAYS+="instance $i ${d} ms, "
			if ((d > MAXD)); then MAXD=$d; fi
		else
			DELAYS+="instance $i never, "
			MAXD=999999
		fi
	done
	DELAYS=${DELAYS%, }
}

COL=$(dbq -c "SELECT c.id || ' ' || c.slug FROM catalogue_columns c JOIN agencies a ON a.id = c.agency_id
	WHERE a.slug = 'mzzj' AND c.kind = 'topical' AND c.state = 'open' ORDER BY c.id LIMIT 1")
[[ -n $COL ]] || die "no open topical column in the demo data"
COL_ID=${COL%% *} COL_SLUG=${COL#* }
TOPIC=/o/mzzj/topics/$COL_SLUG
ALL_DELAYS=()
if ((SESSION_OK)); then
	# Fill every other instance's page cache with the page; the second GET
	# must be a hit.
	for ((i = 2; i <= N; i++)); do
		curl -fsS -o /dev/null "${GK_URL[i]}$TOPIC"
		h0=$(metric "$i" gongkai_page_cache_hits_total)
		curl -fsS -o /dev/null "${GK_URL[i]}$TOPIC"
		h1=$(metric "$i" gongkai_page_cache_hits_total)
		if ((h1 > h0)); then
			pass "publish: instance $i answers $TOPIC from its page cache (hits $h0 → $h1)"
		else
			fail "publish: instance $i did not answer $TOPIC from its page cache (hits $h0 → $h1)"
		fi
	done
	for ((trial = 1; trial <= TRIALS; trial++)); do
		MARK="多实例发布验证$RUN-$trial"
		for ((i = 2; i <= N; i++)); do
			rm -f "$TMP/seen.$i"
			poller "${GK_URL[i]}$TOPIC" "$MARK" "$TMP/seen.$i" &
			POLLERS+=($!)
		done
		# Let the pollers run for a while first: an instance that is being
		# read checks the content version at most once a second, so a reader
		# waits up to one check interval. (Right after an idle spell the
		# first request checks at once, which would measure a lucky 0 ms.)
		sleep 1.3
		t0=$(now_ms)
		code=$(curl -s -b "$JAR" -o /dev/null -w '%{http_code}' --data-urlencode "text=$MARK：多实例部署验证动态。" "${GK_URL[1]}/console/topical/$COL_ID/updates")
		t1=$(now_ms)
		pollers_wait
		if [[ $code != 303 ]]; then
			fail "publish: posting the topical update on instance 1 answered $code"
			continue
		fi
		delays "$TMP/seen" "$t1"
		ALL_DELAYS+=("$MAXD")
		if ((MAXD <= MAX_DELAY_MS)); then
			pass "publish: trial $trial: update posted on instance 1 (took $((t1 - t0)) ms) shows on the cached page after: $DELAYS (limit $MAX_DELAY_MS ms)"
		else
			fail "publish: trial $trial: update posted on instance 1 shows on the others after: $DELAYS (limit $MAX_DELAY_MS ms)"
		fi
	done
	code=$(for ((k = 0; k < N; k++)); do curl -fsS "$NG$TOPIC" | grep -cF "多实例发布验证$RUN-$TRIALS" || true; done | sort -u | tr '\n' ' ')
	if [[ $code == "1 " ]]; then
		pass "publish: $N requests through nginx (every instance) show the last update"
	else
		fail "publish: through nginx, the last update shows in (per request: $code)"
	fi
fi

# A venue created with an API token through the staff API on instance 1.
"$BIN" token create --username "$USER" --name multi-instance --days 1 --data "$TMP/cli" >"$TMP/token.out" 2>&1 ||
	{ cat "$TMP/token.out" >&2; die "gongkai token create failed"; }
TOKEN=$(grep -o '^gk_[A-Za-z0-9_]*' "$TMP/token.out" | head -1)
[[ -n $TOKEN ]] || die "no token in: $(cat "$TMP/token.out")"
# The home page (/) shows no venue, but every cached page depends on the
# content version: after the change each other instance must render / again
# (a page-cache miss) instead of answering it from its cache. (The re-rendered
# page has the same bytes, so its ETag and Last-Modified stay the same: the
# miss counter is the evidence.)
declare -a MISS0=()
for ((i = 2; i <= N; i++)); do
	curl -fsS -o /dev/null "${GK_URL[i]}/"
	curl -fsS -o /dev/null "${GK_URL[i]}/"
	MISS0[i]=$(metric "$i" gongkai_page_cache_misses_total)
done
VENUE="多实例验证场所$RUN"
for ((i = 2; i <= N; i++)); do
	rm -f "$TMP/venue.$i" "$TMP/rerender.$i"
	poller "${GK_URL[i]}/api/v1/venues?q=$VENUE" "$VENUE" "$TMP/venue.$i" &
	POLLERS+=($!)
	(
		end=$(($(now_ms) + 15000))
		while (($(now_ms) < end)); do
			curl -fsS -o /dev/null "${GK_URL[i]}/" || true
			m=$(metric "$i" gongkai_page_cache_misses_total || true)
			if [[ -n $m ]] && ((m > MISS0[i])); then
				now_ms >"$TMP/rerender.$i"
				exit 0
			fi
			sleep 0.02
		done
	) &
	POLLERS+=($!)
done
sleep 1.3
t0=$(now_ms)
code=$(curl -s -o "$TMP/venue.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data-binary "{\"values\":{\"religion\":\"佛教\",\"name\":\"$VENUE\",\"venue_type\":\"寺观教堂\",\"number\":\"沪宗场证$RUN\",\"district\":\"黄浦区\",\"address\":\"上海市黄浦区测试路1号\",\"leader\":\"测试\",\"opening\":\"9:00—16:00\",\"phone\":\"021-00000000\",\"status\":\"registered\"}}" \
	"${GK_URL[1]}/api/v1/staff/venues")
t1=$(now_ms)
pollers_wait
if [[ $code == 201 ]]; then
	delays "$TMP/venue" "$t1"
	if ((MAXD <= MAX_DELAY_MS)); then
		pass "publish: venue created with an API token on instance 1 (201, $((t1 - t0)) ms) is in the public API after: $DELAYS"
	else
		fail "publish: venue created on instance 1 is in the public API after: $DELAYS (limit $MAX_DELAY_MS ms)"
	fi
	delays "$TMP/rerender" "$t1"
	ALL_DELAYS+=("$MAXD")
	if ((MAXD <= MAX_DELAY_MS)); then
		pass "publish: the other instances' cached home page (/) is invalidated (rendered again: a page-cache miss) after the venue was created: $DELAYS"
	else
		fail "publish: the other instances' cached home page (/) was rendered again after: $DELAYS (limit $MAX_DELAY_MS ms)"
	fi
else
	fail "publish: POST /api/v1/staff/venues with a token on instance 1 answered $code: $(head -c 300 "$TMP/venue.json")"
fi

# Logging out on instance 2 ends the session everywhere.
if ((SESSION_OK)); then
	curl -s -b "$JAR" -o /dev/null -X POST "${GK_URL[2]}/console/logout"
	code=$(curl -s -b "$JAR" -o /dev/null -w '%{http_code}' "${GK_URL[1]}/console/")
	if [[ $code == 303 ]]; then
		pass "sessions: after logging out on instance 2 the session no longer opens the console on instance 1 (303 to the login page)"
	else
		fail "sessions: after logging out on instance 2, instance 1 still answers $code"
	fi
fi

# --- queued jobs ---------------------------------------------------------------------------

say
say "== jobs"
J0=$(dbq -c "SELECT COALESCE(max(id), 0) FROM jobs")
SUBJ="mi-jobs-$RUN"
dbq >/dev/null <<EOF
BEGIN;
WITH o AS (
	INSERT INTO outbox (purpose, recipients, subject, body, max_attempts, send_after, created_at)
	SELECT 'scale-test', 'mi' || g || '@example.org', '$SUBJ ' || g,
	       json_build_object('to', json_build_array('mi' || g || '@example.org'), 'subject', '$SUBJ ' || g,
	                         'text', 'multi-instance test message ' || g)::text,
	       1, now(), now()
	FROM generate_series(1, $NJOBS) g
	RETURNING id)
INSERT INTO jobs (kind, payload, run_at, max_attempts, dedupe_key, created_at)
SELECT 'notify.send', json_build_object('outbox_id', id)::text, now(), 1, 'notify.outbox:' || id, now() FROM o;
COMMIT;
EOF
t0=$(now_ms)
end=$((t0 + 120000))
while (($(now_ms) < end)); do
	left=$(dbq -c "SELECT count(*) FROM jobs WHERE id > $J0 AND kind = 'notify.send' AND status IN ('queued', 'running')")
	((left == 0)) && break
	sleep 0.2
done
took=$(($(now_ms) - t0))
done_one=$(dbq -c "SELECT count(*) FROM jobs WHERE id > $J0 AND kind = 'notify.send' AND status = 'done' AND attempts = 1")
sent_one=$(dbq -c "SELECT count(*) FROM outbox WHERE subject LIKE '$SUBJ %' AND status = 'sent' AND attempts = 1")
if ((done_one == NJOBS && sent_one == NJOBS)); then
	pass "jobs: $NJOBS queued mail jobs done in $took ms, each with one attempt; $NJOBS outbox rows sent, each with one attempt"
else
	fail "jobs: of $NJOBS jobs $done_one done with one attempt, $sent_one of $NJOBS mails sent with one attempt (after $took ms; $left still pending)"
fi
sleep 0.3 # the last log lines
JOB_IDS=$TMP/job-ids
dbq -c "SELECT id FROM jobs WHERE id > $J0 AND kind = 'notify.send'" >"$JOB_IDS"
OUTBOX_IDS=$TMP/outbox-ids
dbq -c "SELECT id FROM outbox WHERE subject LIKE '$SUBJ %'" >"$OUTBOX_IDS"

# Collect the scheduler's log lines from every instance: "i<TAB>json".
jobs_log() {
	local i
	for ((i = 1; i <= N; i++)); do
		grep -F '"component":"jobs"' "$TMP/gk$i.log" | sed "s/^/$i\t/" || true
	done
}
jobs_log >"$TMP/jobs.log"
res=$(python3 "$HERE/jobcheck.py" queued "$TMP/jobs.log" "$JOB_IDS" "$TMP/smtp.log" "$OUTBOX_IDS" "$SUBJ")
IFS=$'\t' read -r n_ids n_runs n_twice n_never n_inst per_inst n_mails m_twice m_never m_other bad <<<"$res"
if ((n_ids == NJOBS && n_runs == NJOBS && n_twice == 0 && n_never == 0)); then
	pass "jobs: over all instance logs, each of the $NJOBS jobs ran exactly once (runs per instance $per_inst)"
else
	fail "jobs: $n_ids jobs, $n_runs runs logged, $n_twice ran more than once, $n_never never ran (e.g. $bad)"
fi
if ((n_inst >= 2)); then
	pass "jobs: $n_inst instances shared the queued jobs"
else
	fail "jobs: only instance(s) $per_inst ran the queued jobs, so the check proves nothing about sharing"
fi
if ((n_mails == NJOBS && m_twice == 0 && m_never == 0 && m_other == 0)); then
	pass "jobs: the SMTP sink received each of the $NJOBS mails exactly once"
else
	fail "jobs: the SMTP sink received $n_mails mails; $m_twice twice, $m_never missing, $m_other unknown"
fi

# --- load ----------------------------------------------------------------------------------------

CLK_TCK=$(getconf CLK_TCK)
# snap FILE PID…: "pid ticks" (user + system CPU so far) for each live PID.
snap() {
	local f=$1 p
	shift
	for p in "$@"; do
		awk -v p="$p" '{ print p, $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true
	done >"$f"
}
# ticks_delta BEFORE AFTER: CPU ticks used between the snapshots by the
# processes in AFTER (a process started in between counts from 0).
ticks_delta() { awk 'NR == FNR { a[$1] = $2; next } { d += $2 - a[$1] } END { print d + 0 }' "$1" "$2"; }
# pg_pids: the PostgreSQL backends serving this run's database (other
# databases' backends count as "other").
pg_pids() {
	local p
	for p in $(pgrep -x postgres || true); do
		if tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF " $DBNAME "; then echo "$p"; fi
	done
}
# User and system CPU of the whole machine; interrupt time, which the
# loopback traffic causes, is left out (as in scripts/loadtest.sh).
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 }' /proc/stat; }
children_secs() { # FILE: CPU seconds of this shell's finished children (wrk)
	times >"$1"
	awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"
}

cat >"$TMP/search.lua" <<EOF
-- GET /search with one of the terms and a page 1–5: never in the page cache.
local terms = { $(python3 -c '
import urllib.parse
terms = ["宗教", "民族", "清真", "通知", "场所", "少数民族", "工作要点", "政府信息公开", "教职人员", "年度报告", "疫情防控", "政策解读"]
print(", ".join("\"%s\"" % urllib.parse.quote(t) for t in terms))') }
math.randomseed(os.time())
request = function()
	local q = terms[math.random(#terms)]
	return wrk.format("GET", "/search?q=" .. q .. "&page=" .. math.random(5))
end
EOF

declare -a ROWS=()
LOAD_BUSY=0 RUNS=0
# measure INSTANCES LABEL PATH [wrk args]
measure() {
	local n=$1 label=$2 path=$3 f g x p s0 s1 w0 w1 out
	local -a gk=() ngx=() pg=()
	shift 3
	RUNS=$((RUNS + 1))
	f=$TMP/wrk.$RUNS
	gk=("${GK_PID[@]:1:n}")
	mapfile -t ngx < <(pgrep -P "$NGINX_PID")
	ngx+=("$NGINX_PID")
	wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 10s "$@" "$NG$path" >"$f.warm" 2>&1 || true
	children_secs "$f.times" >"$f.w0"
	snap "$f.gk0" "${gk[@]}"
	snap "$f.ng0" "${ngx[@]}"
	mapfile -t pg < <(pg_pids)
	snap "$f.pg0" "${pg[@]}"
	s0=$(busy_ticks)
	wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency "$@" "$NG$path" >"$f.out" 2>&1 || true
	s1=$(busy_ticks)
	snap "$f.gk1" "${gk[@]}"
	snap "$f.ng1" "${ngx[@]}"
	mapfile -t pg < <(pg_pids)
	snap "$f.pg1" "${pg[@]}"
	children_secs "$f.times" >"$f.w1"
	g=$(ticks_delta "$f.gk0" "$f.gk1") x=$(ticks_delta "$f.ng0" "$f.ng1") p=$(ticks_delta "$f.pg0" "$f.pg1")
	w0=$(<"$f.w0") w1=$(<"$f.w1")
	out=$(<"$f.out")
	if ! grep -q '^Requests/sec:' <<<"$out" || grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
		say "$out"
		fail "load: $n instance(s), $label: wrk reported errors"
	fi
	ROWS+=("$(awk -v n="$n" -v l="$label" -v g="$g" -v x="$x" -v p="$p" -v s=$((s1 - s0)) \
		-v w0="$w0" -v w1="$w1" -v hz="$CLK_TCK" -v d="$DURATION" '
		function ms(v) { # wrk latency: 512.00us, 1.20ms, 2.01s, 1.00m
			if (sub(/us$/, "", v)) return v / 1000
			if (sub(/ms$/, "", v)) return v + 0
			if (sub(/s$/, "", v)) return v * 1000
			if (sub(/m$/, "", v)) return v * 60000
			return v
		}
		/^Requests\/sec:/ { rps = $2 }
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		END {
			wk = w1 - w0
			other = (s - g - x - p) / hz - wk
			printf "| %d | %s | %.0f | %.1f | %.1f | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% |", n, l, rps, p50, p99,
				100 * g / hz / d, 100 * x / hz / d, 100 * p / hz / d, 100 * wk / d, (other < 0 ? 0 : 100 * other / d)
		}' <<<"$out")")
	say "  ${ROWS[-1]}"
	local other
	other=$(awk -F'|' '{ gsub(/[ %]/, "", $11); print $11 }' <<<"${ROWS[-1]}")
	if ((other > 20)); then LOAD_BUSY=1; fi
	return 0
}

LOAD_UPTIME=""
if [[ -n ${LOAD_LIST// /} ]]; then
	say
	say "== load (wrk -t$THREADS -c$CONNS, ${WARMUP}s warm-up + ${DURATION}s measured per case, through nginx)"
	LOAD_UPTIME=$(uptime)
	say "  before: $LOAD_UPTIME"
	for n in $LOAD_LIST; do
		start_nginx "$n"
		measure "$n" "home (cached)" /
		measure "$n" "list (cached)" /o/mzzj/gk/zcwj
		measure "$n" "search (uncached)" /search -s "$TMP/search.lua"
	done
	start_nginx "$N"
fi

# --- periodic jobs ------------------------------------------------------------------------------------

say
say "== periodic jobs"
# The window must hold at least one whole minute boundary after every
# instance was up.
first=$((((T_ALL_UP / 1000 + 2) / 60 + 1) * 60))
while (($(now_ms) / 1000 < first + 4)); do
	say "  waiting for the minute boundary at $(date -d "@$first" +%T) …"
	sleep $((first + 5 - $(now_ms) / 1000))
done
T_END=$(now_ms)
jobs_log >"$TMP/jobs.log"
res=$(python3 "$HERE/jobcheck.py" periodic "$TMP/jobs.log" "$T_ALL_UP" "$T_END")
IFS=$'\t' read -r n_runs n_want n_missing dups by names <<<"$res"
if [[ $dups == "-" ]] && ((n_want >= 1 && n_missing == 0)); then
	pass "jobs: periodic jobs ran once per period across the instances: $n_runs runs ($names), none twice; disclosure.publish_due ran in each of the $n_want minutes the window covers (runs per instance $by)"
else
	fail "jobs: periodic runs: duplicates [$dups]; disclosure.publish_due missed $n_missing of $n_want minutes (runs per instance $by)"
fi

# --- report ------------------------------------------------------------------------------------------------

{
	echo "## Several instances behind nginx ($(date -u '+%Y-%m-%d %H:%M UTC'))"
	echo
	echo "Machine: $(nproc) cores, $(uname -m), $(go version 2>/dev/null | awk '{ print $3 }' || echo 'go ?'), PostgreSQL $(dbq -c 'SHOW server_version'), nginx $(nginx -v 2>&1 | sed 's|.*/||'), $N instances."
	if [[ -n $LOAD_UPTIME ]]; then echo "Load average before the load test: ${LOAD_UPTIME##*load average: }; after: $(uptime | sed 's/.*load average: //')."; fi
	echo
	for line in "${SUMMARY[@]}"; do echo "- $line"; done
	if ((${#ALL_DELAYS[@]})); then
		echo
		echo "Longest wait, over all trials and instances, from a change made on instance 1 to the other instances showing it in place of their cached page: $(printf '%s\n' "${ALL_DELAYS[@]}" | sort -n | tail -1) ms (content version checked every second; limit $MAX_DELAY_MS ms)."
	fi
	if ((${#ROWS[@]})); then
		echo
		echo "wrk -t$THREADS -c$CONNS --latency --timeout 10s, ${DURATION}s after a ${WARMUP}s warm-up, through nginx (worker_processes auto, upstream keepalive 64). CPU: % of one core during the measured run (the machine has $(nproc) cores = $(($(nproc) * 100))%); \"other\" is CPU used by processes outside this test."
		echo
		echo "| instances | page | req/s | p50 ms | p99 ms | gongkai CPU | nginx CPU | PostgreSQL CPU | wrk CPU | other CPU |"
		echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		printf '%s\n' "${ROWS[@]}"
		if ((LOAD_BUSY)); then
			echo
			echo "WARNING: other processes used more than 20% of a core during some runs: these load numbers are not clean."
		fi
	fi
} >"$TMP/report.md"
say
cat "$TMP/report.md"
if [[ -n $OUT ]]; then cp "$TMP/report.md" "$OUT"; fi

if ((FAILS)); then
	say "multi-instance: $FAILS check(s) failed (logs in $TMP; rerun with -k to keep them)"
	exit 1
fi
say "multi-instance: all checks passed"
