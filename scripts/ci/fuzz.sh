#!/usr/bin/env bash
# Fuzz every decoder of untrusted input (issue 12, item 4): runs each Go fuzz
# target (func FuzzXxx in a *_test.go file) for FUZZTIME, two at a time with
# one worker each (the machine has 2 cores), and fails if any target finds a
# crash or a property violation. Targets are discovered with `go test -list`,
# so a new one is picked up without touching this script. `go test ./...`
# already runs every target's seed corpus (and testdata/fuzz) as a test.
#
#   FUZZTIME=60s scripts/ci/fuzz.sh          # the issue's 60 s per target
#   FUZZTIME=10s scripts/ci/fuzz.sh          # a quick pass
#   FUZZ_BUDGET=450 scripts/ci/fuzz.sh       # 60 s per target for as many
#                                            # targets as fit 450 s (.ci/run)
#   FUZZ_JOBS=2 FUZZ_ONLY=internal/pii scripts/ci/fuzz.sh
#
# FUZZ_JOBS (default: the number of cores) targets run at a time, one
# worker each. With FUZZ_BUDGET and no FUZZTIME, a target costs
# FUZZTIME + FUZZ_OVERHEAD (14 s: build, baseline coverage). When every
# target fits at 60 s (8 cores or more for 450 s), every target gets 60 s.
# Otherwise the targets are dealt into slices that each fit the budget at
# 60 s a target, and one slice is fuzzed per run, the next one each run
# (4 slices of 12 on 2 cores): every target gets the full 60 s once every
# few runs instead of a few seconds every run, and its generated corpus
# (kept in GOCACHE) grows from one turn to the next. The slice counter is
# kept in ${XDG_CACHE_HOME:-~/.cache}/gongkai-ci/fuzz-slice (on a machine
# without it, the number of commits picks the slice); FUZZ_SLICE=i picks
# one, FUZZ_ROTATE=0 instead shares the budget among all targets
# (5–60 s each: 5 s on 2 cores).
#
# A failing input is written by go test to <package>/testdata/fuzz/<Target>/
# and printed below; commit it with the fix as a regression case.
set -euo pipefail
cd "$(dirname "$0")/../.."

jobs="${FUZZ_JOBS:-$(nproc)}"
budget="${FUZZ_BUDGET:-}"
# Minimising each new corpus entry may take up to 60 s by default, which a
# short run spends on a few slow (XLSX) inputs instead of fuzzing; a failing
# input is written either way.
minimizetime="${FUZZMINIMIZETIME:-5s}"
only="${FUZZ_ONLY:-}"
start=$(date +%s)

work=$(mktemp -d "${TMPDIR:-/tmp}/gongkai-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
: >"$work/results"

# Packages whose tests declare a fuzz target; `go test -list` then names the
# targets as the test binaries see them (one go command for all packages).
mapfile -t pkgs < <(grep -rlE --include='*_test.go' '^func Fuzz' . |
	xargs -r -n1 dirname | sort -u | grep -E "${only:-.}" || true)
if [ ${#pkgs[@]} -eq 0 ]; then
	echo "no fuzz targets found"; exit 1
fi
go test -list '^Fuzz' "${pkgs[@]}" | awk '
	/^Fuzz/ { names[++k] = $1; next }
	/^ok/   { for (i = 1; i <= k; i++) print $2, names[i]; k = 0 }
' >"$work/targets"
n=$(wc -l <"$work/targets")
echo "$n targets in ${#pkgs[@]} packages"
if [ "$n" -eq 0 ]; then
	echo "fuzz: go test -list found no targets"; exit 1
fi

if [ -n "${FUZZTIME:-}" ]; then
	fuzztime=$FUZZTIME
elif [ -n "$budget" ]; then
	overhead=${FUZZ_OVERHEAD:-14}
	slots=$((jobs < n ? jobs : n))
	secs=$((budget * slots / n - overhead))
	[ "$secs" -ge 5 ] || secs=5
	[ "$secs" -le 60 ] || secs=60
	fuzztime=${secs}s
	if [ "$secs" -lt 60 ] && [ "${FUZZ_ROTATE:-1}" != 0 ]; then
		# Targets that fit the budget at 60 s each, jobs at a time.
		per=$((budget * jobs / (60 + overhead)))
		[ "$per" -ge 1 ] || per=1
		slices=$(((n + per - 1) / per))
		state="${XDG_CACHE_HOME:-$HOME/.cache}/gongkai-ci/fuzz-slice"
		if [ -n "${FUZZ_SLICE:-}" ]; then
			turn=$FUZZ_SLICE
		elif [ -s "$state" ] && grep -qE '^[0-9]+$' "$state"; then
			turn=$(cat "$state")
		else
			turn=$(git rev-list --count HEAD 2>/dev/null || echo $(($(date +%s) / 86400)))
		fi
		slice=$((turn % slices))
		if [ -z "${FUZZ_SLICE:-}" ]; then
			mkdir -p "$(dirname "$state")"
			echo $((slice + 1)) >"$state"
		fi
		# Dealt round-robin, so each slice mixes packages (and slow XLSX
		# targets with fast ones).
		awk -v s="$slices" -v i="$slice" '(NR - 1) % s == i' "$work/targets" >"$work/slice"
		mv "$work/slice" "$work/targets"
		echo "slice $((slice + 1)) of $slices ($(wc -l <"$work/targets") targets at 60 s; the next run takes slice $(((slice + 1) % slices + 1))):"
		sed 's/^github.com\/gongkai\/gongkai\//  /' "$work/targets"
		fuzztime=60s
	fi
else
	fuzztime=60s
fi
echo "== fuzz (go test -fuzz, FUZZTIME=$fuzztime per target, $jobs at a time${budget:+, budget ${budget}s})"

# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" when -fuzztime ends while a starved worker is mid-call
# (golang/go#75804, fixed in Go 1.27). A real finding always writes its input
# ("Failing input written to testdata/fuzz/..."); a bare deadline error is
# retried once and, if it recurs, reported as FLAKE without failing the run.
is_deadline_flake() {
	grep -q 'context deadline exceeded' "$1" && ! grep -qE 'Failing input written|panic:|fuzz: minimizing' "$1"
}

run_one() {
	local pkg=$1 name=$2 log t0 t1 rc status execs dir try
	log="$work/$(echo "$pkg" | tr '/.' '__')__$name.log"
	t0=$(date +%s)
	for try in 1 2; do
		set +e
		go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimizetime" -parallel 1 "$pkg" >"$log" 2>&1
		rc=$?
		set -e
		if [ $rc -eq 0 ] || ! is_deadline_flake "$log"; then
			break
		fi
		echo "retry $name: context deadline exceeded without a failing input (golang/go#75804)"
	done
	t1=$(date +%s)
	execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
	status=ok
	if [ $rc -ne 0 ]; then
		status=FAIL
		if is_deadline_flake "$log"; then
			status=FLAKE
			rc=0
		fi
	fi
	printf '%-5s %-26s %-28s %4ss %12s execs\n' "$status" "${pkg#github.com/gongkai/gongkai/}" "$name" "$((t1 - t0))" "${execs:-?}" | tee -a "$work/results"
	if [ "$status" = FAIL ]; then
		echo "---- $pkg $name"; grep -v '^fuzz: elapsed' "$log" | tail -40
		dir=$(go list -f '{{.Dir}}' "$pkg")
		grep -oE 'testdata/fuzz/[^ ]+' "$log" | sort -u | while read -r f; do
			echo "---- failing input ${dir#"$PWD"/}/$f:"; cat "$dir/$f" 2>/dev/null || true
		done
		echo "----"
	fi
	return $rc
}
export -f run_one is_deadline_flake
export work fuzztime minimizetime

set +e
xargs -P "$jobs" -L 1 bash -c 'run_one "$0" "$1"' <"$work/targets"
rc=$?
set -e

total=$(($(date +%s) - start))
failed=$(grep -c '^FAIL' "$work/results" || true)
flaked=$(grep -c '^FLAKE' "$work/results" || true)
echo "fuzz: $(wc -l <"$work/results") of $n targets, $failed failed, $flaked deadline flakes, ${total}s in total (FUZZTIME=$fuzztime, $jobs at a time, $(nproc) cores)"
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
	echo "fuzz: FAILED"; exit 1
fi
