#!/usr/bin/env bash
# Short hostile-input scan for CI (issue 12, item 4): the same script as the
# full run (scripts/security/hostile-scan.sh), limited to a few minutes on
# 2 cores:
#   - sqlmap at level 1 / risk 1, boolean, error and UNION techniques, on a
#     representative parameter of each kind of public form, public API and
#     console filter (the regular expression below, on 'ID ROUTE PARAM');
#   - wapiti with the injection modules (sql, blindsql is left to the full
#     run), exec, file, xss, crlf, redirect: 30 s of crawl, 10 s per module
#     and scope;
#   - ffuf with scripts/security/hidden-paths.txt and backup suffixes.
# Exits non-zero on any injectable parameter, wapiti high/medium finding,
# exposed path, 5xx answer, panic, or public POST route without a target.
# Prints the time taken. Results go to ${HOSTILE_OUT:-$TMPDIR/hostile-ci}.
set -uo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
only='(POST /o/\{slug\}/(mailbox|board) (body|name)$'
only+='|POST /o/\{slug\}/apply (description|id_number|name)$'
only+='|POST /o/\{slug\}/(clergy|consultations/\{n\}/comments|opendays/\{n\}/signups) (name|number|body)$'
only+='|POST /(apply|concern)/status (number|code)$|POST /report-error (page_url|body)$'
only+='|GET /search q$|GET /o/\{slug\}/gk/\{col\} (doc_number|topic)$|GET /o/\{slug\}/(venues|halal|normative) q$'
only+='|GET /api/v1/(search q|items doc_number|venues district)$|POST /api/v1/(clergy/verify|applications/status) (name|number)$|POST /api/v1/applications (name|description)$'
only+='|GET /console/(items|applications|documents|staff|todo|directories/clergy) q$|GET /console/audit (actor|text)$|GET /console/concerns channel$)'
out=${HOSTILE_OUT:-${TMPDIR:-/tmp}/hostile-ci}
scripts/security/hostile-scan.sh --out "$out" \
  --level 1 --risk 1 --technique BEU --threads 4 --only "$only" --sqlmap-run-timeout 120 \
  --wapiti-modules sql,exec,file,xss,crlf,redirect --wapiti-scan-time 30 --wapiti-attack-time 10 --wapiti-depth 2 \
  --ffuf-threads 20 --no-ffuf-common
status=$?
echo "hostile (CI): exit $status in $(( $(date +%s) - start ))s; results in $out"
exit $status
