# shellcheck shell=bash disable=SC2034
# Shared by nothing-lost.sh and backup-drill.sh (sourced, not run).
# Parses the common flags, makes sure PostgreSQL and pg_amcheck are there
# when asked for, and builds gongkai and gkdrill into $bin.

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
	exit 2
}

dbs=(sqlite postgres)
trials=""
short=0
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--db) shift; case "${1:-}" in sqlite|postgres) dbs=("$1") ;; both) dbs=(sqlite postgres) ;; *) usage ;; esac ;;
	--db=*) case "${1#--db=}" in sqlite|postgres) dbs=("${1#--db=}") ;; both) dbs=(sqlite postgres) ;; *) usage ;; esac ;;
	--trials) shift; trials="${1:?--trials needs a number}" ;;
	--trials=*) trials="${1#--trials=}" ;;
	--short) short=1 ;;
	-h|--help) usage ;;
	--) shift; extra+=("$@"); break ;;
	*) extra+=("$1") ;;
	esac
	shift
done

out="${GKDRILL_OUT:-${TMPDIR:-/tmp}/gkdrill-results}"
bin="${GKDRILL_BIN:-${TMPDIR:-/tmp}/gkdrill-bin}"
mkdir -p "$out" "$bin"
pg_url="${GKDRILL_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"

if [[ " ${dbs[*]} " == *" postgres "* ]]; then
	if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
		if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
			pg_ctlcluster --skip-systemctl-redirect "$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" | sort | head -1)" main start || true
			for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
		fi
		pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL is not running on 127.0.0.1:5432 (set GKDRILL_PG_URL, or run with --db sqlite)"; exit 1; }
	fi
	# pg_amcheck ships with the PostgreSQL (>= 14) server package; pg_dump
	# and pg_restore with the client package.
	if ! command -v pg_amcheck >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_amcheck >/dev/null 2>&1; then
		echo "installing the PostgreSQL server package for pg_amcheck"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
	fi
	if ! command -v pg_dump >/dev/null 2>&1; then
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-client >/dev/null
	fi
fi

echo "building gongkai and gkdrill into $bin"
go build -o "$bin/gongkai" ./cmd/gongkai
go build -o "$bin/gkdrill" ./cmd/gkdrill
echo "machine: $(nproc) cores, $(uname -m), $(go version | awk '{print $3}'), $(date -u +%Y-%m-%dT%H:%MZ)"
