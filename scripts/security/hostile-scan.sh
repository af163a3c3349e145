#!/usr/bin/env bash
# Hostile input scan (issue 12, item 4): sqlmap, wapiti and ffuf against a
# demo gongkai. See docs/security.md, "Hostile input: sqlmap, wapiti, ffuf".
#
#   0. self-test: sqlmap and ffuf must report a planted injectable parameter
#      and planted files on a small deliberately vulnerable server;
#   1. builds gongkai and starts `serve --demo` on a free loopback port, on a
#      fresh data folder, trusting X-Forwarded-For from loopback;
#   2. logs in demo staff (setting up TOTP where the role requires it) and
#      crawls the portal and the console for targets (scripts/security/
#      hostile.py targets): every <form> of the portal, every GET form of the
#      console, the public API's query parameters and JSON lookups; checks
#      that every public POST route of the route table has a target;
#   3. submits every target once as the scan will ("reach");
#   4. ffuf: hidden paths, backups, debug endpoints (hidden-paths.txt and
#      dirb's common.txt); anything but 404 that is not an expected public
#      page (ffuf-allow.txt) is a finding;
#   5. sqlmap on every target parameter (default level 5, risk 3, all
#      techniques), with the session of the staff member whose crawl found
#      a console target and a random X-Forwarded-For per request;
#   6. wapiti with every module against the portal and, with a session, the
#      console (through wapiti-run.py, which fixes wapiti 3.0.4's -x on
#      Python 3.11);
#   7. counts 5xx answers and panics in the server log;
#   8. writes summary.txt (date, machine, versions, numbers, durations).
#
# Exit status 1 on any injectable parameter, wapiti high/medium finding,
# exposed path, 5xx answer or panic, or a public POST route without a target;
# 2 on a setup error.
#
# Usage: scripts/security/hostile-scan.sh [flags]
#   --out DIR               results folder (default: $TMPDIR/gongkai-hostile)
#   --level N --risk N      sqlmap level and risk (5, 3)
#   --technique T           sqlmap techniques (BEUSTQ)
#   --threads N             sqlmap threads (3)
#   --only REGEX            sqlmap only on 'ID ROUTE PARAM' matching REGEX
#   --params-per-target N   sqlmap only on the first N parameters of a target
#   --after-params N        sqlmap only on the parameters after the first N of
#                           a target (resumes a --params-per-target N scan)
#   --sqlmap-budget SEC     stop starting sqlmap runs after SEC seconds (0: none)
#   --sqlmap-run-timeout SEC   limit of one sqlmap run (1800)
#   --wapiti-modules LIST   wapiti modules (default: every module listed by
#                           `wapiti --list-modules`)
#   --wapiti-scan-time SEC  wapiti --max-scan-time per scope (1800)
#   --wapiti-attack-time SEC   wapiti --max-attack-time per module (600)
#   --wapiti-depth N        wapiti crawl depth (6)
#   --ffuf-threads N        ffuf threads (10)
#   --ffuf-common           also use dirb's common.txt (default on; --no-ffuf-common)
#   --skip-sqlmap --skip-wapiti --skip-ffuf
#   --keep                  keep the server's data folder
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=$root/scripts/security

out=${TMPDIR:-/tmp}/gongkai-hostile
level=5 risk=3 technique=BEUSTQ threads=3 only="" ppt=0 after=0 budget=0 runtimeout=1800
wmods="" wscan=1800 wattack=600 wdepth=6 fthreads=10 fcommon=1
skip_sqlmap=0 skip_wapiti=0 skip_ffuf=0 keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift ;;
    --level) level=$2; shift ;;
    --risk) risk=$2; shift ;;
    --technique) technique=$2; shift ;;
    --threads) threads=$2; shift ;;
    --only) only=$2; shift ;;
    --params-per-target) ppt=$2; shift ;;
    --after-params) after=$2; shift ;;
    --sqlmap-budget) budget=$2; shift ;;
    --sqlmap-run-timeout) runtimeout=$2; shift ;;
    --wapiti-modules) wmods=$2; shift ;;
    --wapiti-scan-time) wscan=$2; shift ;;
    --wapiti-attack-time) wattack=$2; shift ;;
    --wapiti-depth) wdepth=$2; shift ;;
    --ffuf-threads) fthreads=$2; shift ;;
    --ffuf-common) fcommon=1 ;;
    --no-ffuf-common) fcommon=0 ;;
    --skip-sqlmap) skip_sqlmap=1 ;;
    --skip-wapiti) skip_wapiti=1 ;;
    --skip-ffuf) skip_ffuf=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 0 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
  shift
done

for t in go curl python3; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 2; }; done
[ $skip_sqlmap = 1 ] || command -v sqlmap >/dev/null || { echo "missing sqlmap (apt-get install sqlmap)" >&2; exit 2; }
[ $skip_wapiti = 1 ] || command -v wapiti >/dev/null || { echo "missing wapiti (apt-get install wapiti)" >&2; exit 2; }
[ $skip_ffuf = 1 ] || command -v ffuf >/dev/null || { echo "missing ffuf (apt-get install ffuf)" >&2; exit 2; }

t_start=$(date +%s)
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  [ $keep = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
log() { echo "== $(date +%H:%M:%S) $*"; }
H() { python3 "$here/hostile.py" "$@"; }

# ---------------------------------------------------------------- self-test
# The checks must be able to fail: sqlmap must report a planted injectable
# parameter and ffuf planted files (hostile.py selftest, a few seconds).
if [ $skip_sqlmap = 0 ] && [ $skip_ffuf = 0 ]; then
  log "self-test of the sqlmap and ffuf steps"
  H selftest "$work/selftest" | tee "$out/selftest.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || { echo "self-test failed" >&2; exit 2; }
fi

# ---------------------------------------------------------------- server
log "building gongkai"
go build -o "$work/gongkai" ./cmd/gongkai || exit 2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
log "starting gongkai serve --demo on $base"
"$work/gongkai" serve --demo --addr 127.0.0.1:$port --data "$work/data" \
  --trusted-proxies 127.0.0.1/32,::1/128 >"$out/serve.out" 2>"$out/server.log" &
pid=$!
for _ in $(seq 1 120); do
  curl -fs "$base/readyz" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { echo "server exited" >&2; cat "$out/server.log" >&2; exit 2; }
  sleep 1
done
curl -fs "$base/readyz" >/dev/null || { echo "server not ready" >&2; exit 2; }

# Demo passwords are printed once, when the demo data is loaded.
pw() { awk -v u="$1" '$1==u {print $2}' "$out/serve.out"; }
# Staff whose console pages together hold every console filter: the crawl
# with each adds the GET forms it has not seen yet.
staff="mzzj.editor mzzj.reviewer mzzj.handler mzzj.approver mzzj.auditor mzzj.admin admin"
sess=()
: >"$work/sessions"
for u in $staff; do
  ck=$(H login "$base" "$u" "$(pw "$u")") || exit 2
  echo "$u=$ck" >>"$work/sessions"
  sess+=(--session "$u=$ck")
done
log "logged in: $staff"

# ---------------------------------------------------------------- targets
# The route table: every Handle("METHOD /path") of the product code.
grep -rhoE --include='*.go' --exclude='*_test.go' 'Handle\("(GET|POST|PUT|DELETE|PATCH) /[^"]*"' internal \
  | sed 's/^Handle("//; s/"$//' | sort -u >"$out/routes.txt"
t0=$(date +%s)
H targets "$base" "$out/targets.json" "${sess[@]}" 2>&1 | tee "$out/targets.txt"
H coverage "$out/targets.json" "$out/routes.txt" --exempt "$here/coverage-exempt.txt" | tee -a "$out/targets.txt"
cov=${PIPESTATUS[0]}
H reach "$base" "$out/targets.json" "${sess[@]}" | tee "$out/reach.txt"
t_targets=$(( $(date +%s) - t0 ))
n_targets=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$out/targets.json")
n_params=$(python3 -c 'import json,sys; print(sum(len(t["params"]) for t in json.load(open(sys.argv[1]))))' "$out/targets.json")
n_reach=$(grep -o 'reach: [0-9]* of' "$out/reach.txt" | grep -o '[0-9]*')

status=0
[ "$cov" = 0 ] || { echo "FAIL: public POST routes without a target"; status=1; }

# ---------------------------------------------------------------- ffuf
ffuf_hits=NA ffuf_words=0 t_ffuf=0
if [ $skip_ffuf = 0 ]; then
  log "ffuf: hidden paths and backups"
  t0=$(date +%s)
  grep -v '^#' "$here/hidden-paths.txt" | sed '/^$/d' >"$work/words"
  if [ $fcommon = 1 ] && [ -f /usr/share/dirb/wordlists/common.txt ]; then
    cat /usr/share/dirb/wordlists/common.txt >>"$work/words"
  fi
  sort -u "$work/words" -o "$work/words"
  ffuf_words=$(wc -l <"$work/words")
  # Every word as is, and with backup suffixes and archive extensions.
  ffuf -s -u "$base/FUZZ" -w "$work/words" -t "$fthreads" -mc all -fc 404 \
    -e .bak,.old,.orig,.swp,~,.save,.zip,.tar.gz,.tgz,.sql,.db,.sqlite,.env,.json,.yml,.log \
    -H "X-Forwarded-For: 203.0.113.7" -o "$out/ffuf.json" -of json >/dev/null 2>"$out/ffuf.err"
  H ffuf "$out/ffuf.json" "$here/ffuf-allow.txt" | tee "$out/ffuf.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  ffuf_hits=$(grep -o '[0-9]* findings' "$out/ffuf.txt" | grep -o '[0-9]*')
  ffuf_answers=$(grep -o '[0-9]* answers' "$out/ffuf.txt" | grep -o '[0-9]*')
  t_ffuf=$(( $(date +%s) - t0 ))
fi

# ---------------------------------------------------------------- sqlmap
inj=NA sq_runs=0 sq_clean=0 sq_err=0 sq_to=0 sq_skip=0 t_sqlmap=0 sq_reqs=0
if [ $skip_sqlmap = 0 ]; then
  log "sqlmap: level $level, risk $risk, techniques $technique"
  t0=$(date +%s)
  H sqlmap "$base" "$out/targets.json" "$out" "${sess[@]}" --level "$level" --risk "$risk" \
    --technique "$technique" --threads "$threads" --params-per-target "$ppt" --after-params "$after" --budget "$budget" \
    --run-timeout "$runtimeout" --server-log "$out/server.log" ${only:+--only "$only"} | tee "$out/sqlmap.txt"
  t_sqlmap=$(( $(date +%s) - t0 ))
  r=$out/results.tsv
  touch "$r"
  sq_runs=$(grep -vc '^SKIPPED' "$r")
  inj=$(awk -F'\t' '$7=="INJECTABLE"' "$r" | wc -l)
  sq_clean=$(awk -F'\t' '$7=="clean"' "$r" | wc -l)
  sq_err=$(awk -F'\t' '$7=="error"' "$r" | wc -l)
  sq_to=$(awk -F'\t' '$7=="timeout"' "$r" | wc -l)
  sq_skip=$(awk -F'\t' '$1=="SKIPPED"{print $2}' "$r")
  sq_skip=${sq_skip:-0}
  sq_reqs=$(awk -F'\t' '$1!="SKIPPED"{s+=$6} END{print s+0}' "$r")
  sq_targets=$(awk -F'\t' '$1!="SKIPPED"{print $1}' "$r" | sort -u | wc -l)
  [ "$inj" = 0 ] || { echo "FAIL: $inj injectable parameter(s)"; status=1; }
  [ "$sq_err" = 0 ] || echo "note: $sq_err sqlmap run(s) ended without a verdict (see $out/sqlmap-*.log)"
fi

# ---------------------------------------------------------------- wapiti
w_high=NA w_med=NA w_low=NA t_wapiti=0
if [ $skip_wapiti = 0 ]; then
  if [ -z "$wmods" ]; then
    wmods=$(wapiti --list-modules 2>/dev/null | grep -E '^\s[a-z_]+' | awk '{print $1}' | paste -sd, -)
  fi
  log "wapiti: modules $wmods"
  t0=$(date +%s)
  # A fresh session for the console scan (the scan posts the console's forms).
  wck=$(H login "$base" mzzj.editor "$(pw mzzj.editor)") || exit 2
  for scope in portal console; do
    if [ $scope = portal ]; then
      url=$base/ hdr=() excl=(-x "$base/console/*" -x "$base/apply/status/logout")
    else
      url=$base/console/ hdr=(-H "Cookie: $wck")
      excl=(-x "$base/console/logout" -x "$base/console/password" -x "$base/console/2fa/*")
    fi
    timeout $((wscan + 300)) /usr/bin/python3 "$here/wapiti-run.py" -u "$url" --scope folder -m "$wmods" --flush-session -d "$wdepth" \
      --max-links-per-page 40 --max-files-per-dir 40 --max-scan-time "$wscan" --max-attack-time "$wattack" \
      -t 20 -H "X-Forwarded-For: 198.51.100.$((RANDOM % 250 + 1))" "${hdr[@]}" "${excl[@]}" \
      -f json -o "$out/wapiti-$scope.json" --store-session "$work/wapiti-$scope" --no-bugreport \
      >"$out/wapiti-$scope.log" 2>&1
    echo "-- wapiti $scope (exit $?)"
    if [ -s "$out/wapiti-$scope.json" ]; then
      H wapiti "$out/wapiti-$scope.json" | tee "$out/wapiti-$scope.txt"
    else
      echo "wapiti findings: no report" | tee "$out/wapiti-$scope.txt"; status=1
    fi
  done
  sumw() { cat "$out"/wapiti-*.txt | grep -o "$1 [0-9]*" | awk '{s+=$2} END{print s+0}'; }
  w_high=$(sumw high) w_med=$(sumw medium) w_low=$(sumw low)
  [ "$w_high" = 0 ] && [ "$w_med" = 0 ] || { echo "FAIL: wapiti high/medium findings"; status=1; }
  t_wapiti=$(( $(date +%s) - t0 ))
fi

# ---------------------------------------------------------------- server log
n5xx=$(grep 'msg=request' "$out/server.log" | grep -c ' status=5[0-9][0-9] ')
npanic=$(grep -ci 'panic' "$out/server.log")
nreq=$(grep -c 'msg=request' "$out/server.log")
[ "$n5xx" = 0 ] && [ "$npanic" = 0 ] || { echo "FAIL: $n5xx 5xx answers, $npanic panic lines in the server log"; status=1; }

t_total=$(( $(date +%s) - t_start ))
{
  echo "hostile-scan $(date -u +%Y-%m-%dT%H:%MZ)  exit $status"
  echo "machine: $(nproc) cores, $(uname -m), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "versions: $(go env GOVERSION), sqlmap $(sqlmap --version 2>/dev/null | head -1), $(wapiti --version 2>/dev/null | tail -1), ffuf $(ffuf -V 2>/dev/null | awk '{print $3}')"
  echo "targets: $n_targets ($n_params parameters), $n_reach accepted as submitted; crawl ${t_targets}s"
  echo "sqlmap: level $level risk $risk technique $technique threads $threads; runs $sq_runs on ${sq_targets:-0} targets, not started $sq_skip; clean $sq_clean, injectable $inj, no verdict $sq_err, timeout $sq_to; ${sq_reqs} requests; ${t_sqlmap}s"
  echo "wapiti: modules ${wmods:-none}; high $w_high, medium $w_med, low $w_low; ${t_wapiti}s"
  echo "ffuf: $ffuf_words words × 17 suffixes; answers other than 404: ${ffuf_answers:-NA}; findings $ffuf_hits; ${t_ffuf}s"
  echo "server: $nreq requests logged, $n5xx × 5xx, $npanic panic lines"
  echo "total: ${t_total}s"
} | tee "$out/summary.txt"
exit $status
