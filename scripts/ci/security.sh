#!/usr/bin/env bash
# Code and dependency scanning (issue 12, item 5): gosec with every rule, and
# govulncheck against an offline Go vulnerability database. Exits non-zero on
#   - any gosec finding of MEDIUM or HIGH severity that is not suppressed by a
#     `#nosec Gxxx -- reason` comment (rule IDs and a reason are required:
#     -nosec-require-rules, -nosec-require-justification), or any gosec error
#     (a malformed #nosec, a package that does not type-check);
#   - any vulnerability that govulncheck finds reachable (called) from this
#     module's code as built by the release toolchain, $GONGKAI_RELEASE_GO
#     (default go1.27.3: the Go that production binaries are built with, see
#     README "Deploying"; the module itself still builds with Go 1.26, whose
#     standard library has known vulnerabilities fixed in 1.27.3).
# staticcheck is the `== staticcheck` step of .ci/run (v0.8.2) and is not
# repeated here.
#
# The tools are built once with `go install` from the Go module proxy and
# kept, by version, in ${XDG_CACHE_HOME:-$HOME/.cache}/gongkai-ci/; so is the
# vulnerability database, built with golang.org/x/vulndb's cmd/indexdb from
# the OSV files in that module (vuln.go.dev is not reachable here). A cold
# cache costs several minutes once; see docs/security.md.
#
# Environment: GONGKAI_SECURITY_SKIP_GOSEC=1 or GONGKAI_SECURITY_SKIP_VULN=1
# skip one half (for local use; CI sets neither).
set -euo pipefail
cd "$(dirname "$0")/../.."

GOSEC_VERSION=v2.30.0
GOVULNCHECK_VERSION=v1.9.0
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018

echo "== security: gosec ${GOSEC_VERSION}, govulncheck ${GOVULNCHECK_VERSION}, vulndb ${VULNDB_VERSION}"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/gongkai-ci"
bin="$cache/bin"
mkdir -p "$bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v jq >/dev/null 2>&1; then
  echo "== installing jq"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null
fi

# tool NAME PACKAGE VERSION: the path of the cached binary, built if missing.
# The key holds the Go version too: a tool that loads packages must be built
# with the Go that builds them.
gover=$(go env GOVERSION)
release_go="${GONGKAI_RELEASE_GO:-go1.27.3}"
tool() {
  local out="$bin/$1-$3-$gover"
  if [ ! -x "$out" ]; then
    echo "   building $2@$3 (once; cached in $bin)" >&2
    local tmp
    tmp=$(mktemp -d "$bin/.build.XXXXXX")
    GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "$2@$3" >&2
    mv "$tmp/$1" "$out"
    rm -rf "$tmp"
  fi
  echo "$out"
}

status=0

# ---------------------------------------------------------------- gosec
if [ "${GONGKAI_SECURITY_SKIP_GOSEC:-}" != 1 ]; then
  gosec=$(tool gosec github.com/securego/gosec/v2/cmd/gosec "$GOSEC_VERSION")
  start=$SECONDS
  # Every rule runs. The only exclusions are these path-scoped ones:
  #   cmd/gkdrill/ (the reliability drill, an operator tool that is not part
  #   of the server): G204 it starts the gongkai binary it is given, G304/
  #   G306 it reads and writes the files and reports its operator names,
  #   G404/G115 its load is drawn from a seeded math/rand PCG so that a run
  #   can be repeated, and the draws are narrowed to bytes and addresses.
  # Everything else that gosec flags was either fixed or carries a
  # `#nosec Gxxx -- reason` at the line (see docs/security.md).
  # -severity low: every finding is reported (the gate below counts MEDIUM
  # and HIGH); GOSEC_AI_*: never call out to an AI service.
  GOSEC_AI_PROVIDER="" GOSEC_AI_API_KEY="" GOSEC_AI_BASE_URL="" \
  "$gosec" -quiet -no-fail -fmt json -out "$work/gosec.json" \
    -severity low -confidence low \
    -nosec-require-rules -nosec-require-justification \
    -exclude-generated \
    -exclude-rules 'cmd/gkdrill/:G115,G204,G304,G306,G404' \
    ./... || { echo "gosec did not run"; exit 1; }
  jq -r '
    "gosec: \(.Stats.files) files, \(.Stats.lines) lines, \(.Stats.nosec) #nosec, \(.Issues | length) unsuppressed findings (\([.Issues[] | select(.severity == "LOW")] | length) LOW, reported only)",
    (.Issues | group_by(.rule_id)[] | "  \(.[0].rule_id) \(.[0].severity): \(length)")
  ' "$work/gosec.json"
  gate=$(jq '[.Issues[] | select(.severity == "MEDIUM" or .severity == "HIGH")] | length' "$work/gosec.json")
  errs=$(jq '[."Golang errors" // {} | to_entries[] | .value[]] | length' "$work/gosec.json")
  if [ "$gate" -gt 0 ] || [ "$errs" -gt 0 ]; then
    echo "FAIL gosec: $gate MEDIUM/HIGH findings, $errs errors:"
    jq -r '.Issues[] | select(.severity == "MEDIUM" or .severity == "HIGH")
      | "  \(.file | sub("^.*?/(?=(cmd|internal|scripts)/)"; "")):\(.line) \(.rule_id) \(.severity)/\(.confidence) \(.details)"' "$work/gosec.json"
    jq -r '."Golang errors" // {} | to_entries[] | .key as $f | .value[] | "  \($f):\(.line) error: \(.error)"' "$work/gosec.json"
    echo "Fix each, or if it is a false positive add // #nosec <rule> -- <why> at the line."
    status=1
  else
    echo "ok gosec: 0 MEDIUM/HIGH findings ($((SECONDS - start)) s)"
  fi
fi

# ---------------------------------------------------------- govulncheck
if [ "${GONGKAI_SECURITY_SKIP_VULN:-}" != 1 ]; then
  # govulncheck reads the standard library's version from the Go that loads
  # the packages: run it (and build it) with the release toolchain, which
  # the go command fetches from the module proxy like a module.
  export GOTOOLCHAIN="$release_go"
  gover=$(go env GOVERSION)
  govulncheck=$(tool govulncheck golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION")
  db="$cache/vulndb-$VULNDB_VERSION"
  if [ ! -f "$db/index/modules.json" ]; then
    indexdb=$(tool indexdb golang.org/x/vulndb/cmd/indexdb "$VULNDB_VERSION")
    echo "   building the vulnerability database (once; cached in $db)"
    src=$(go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | jq -r .Dir)
    [ -d "$src/data/osv" ] || { echo "golang.org/x/vulndb@$VULNDB_VERSION has no data/osv"; exit 1; }
    rm -rf "$db.tmp"
    "$indexdb" -vulns "$src/data/osv" -out "$db.tmp"
    rm -rf "$db"
    mv "$db.tmp" "$db"
  fi
  start=$SECONDS
  # JSON stream: config, progress, osv and finding messages. A finding is
  # reachable when its first frame names a function (symbol level).
  set +e
  "$govulncheck" -db "file://$db" -format json ./... >"$work/vuln.json" 2>"$work/vuln.err"
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    echo "FAIL govulncheck exited $rc:"; cat "$work/vuln.err"; exit 1
  fi
  # One line per reachable vulnerability: ID, module, found version, fixed
  # version, one call site.
  jq -rs '
    [.[] | select(.finding) | .finding | select(.trace[0].function // "" | . != "")]
    | group_by(.osv)[]
    | (.[0]) as $f
    | ($f.trace | map(select(.position and (.module | startswith("github.com/gongkai/gongkai")))) | .[0]) as $site
    | [$f.osv, $f.trace[0].module, ($f.trace[0].version // "-"), ($f.fixed_version // "none"),
       "\($f.trace[0].package).\($f.trace[0].function)",
       (if $site then "\($site.position.filename):\($site.position.line)" else "-" end)] | @tsv
  ' "$work/vuln.json" >"$work/called.tsv"
  # The others: imported but not called, and only required (in go.mod).
  read -r imported required < <(jq -rs '
    [.[] | select(.finding) | .finding] as $all
    | ([$all[] | select((.trace[0].function // "") != "") | .osv] | unique) as $called
    | ([$all[] | select((.trace[0].package // "") != "") | .osv] | unique - $called) as $imported
    | ([$all[] | .osv] | unique - $called - $imported) as $required
    | "\($imported | length) \($required | length)"' "$work/vuln.json")
  failed=0
  while IFS=$'\t' read -r id mod ver fixed sym site; do
    [ -n "$id" ] || continue
    echo "  REACHABLE $id ($mod $ver, fixed in $fixed): $sym, from $site"
    failed=$((failed + 1))
  done <"$work/called.tsv"
  echo "govulncheck ($gover): $failed reachable, $imported imported but not called, $required only in required modules"
  if [ $failed -gt 0 ]; then
    echo "FAIL govulncheck: $failed reachable vulnerabilities. Upgrade the module (go get MODULE@FIXED && go mod tidy), or for the standard library the Go toolchain."
    status=1
  else
    echo "ok govulncheck: 0 reachable vulnerabilities with $gover ($((SECONDS - start)) s)"
  fi
fi

exit $status
