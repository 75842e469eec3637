#!/usr/bin/env bash
# End-to-end benchmark of `tocsin hunt` with the whole SigmaHQ corpus
# (rules, rules-emerging-threats, rules-threat-hunting): read, decode, match
# and write, on every core and then on one (GOMAXPROCS=1).
#
# It generates its inputs once with cmd/tocsin-gen (deterministic: seed 1,
# 0.1% malicious events): a realistic Windows mix and Sysmon process
# creations only, then runs
#
#   tocsin hunt --quiet --output jsonl --no-builtin --rules <corpus>... FILE >/dev/null
#
# several times per input under /usr/bin/time and prints the median wall
# time, events/s, MB/s and peak RSS. A run on an empty file measures what
# loading the corpus alone costs (time and RSS). One untimed run per input
# counts the rules, the detections and the output volume.
#
# Usage: scripts/bench-hunt.sh [--runs N] [--mix-events N] [--pc-events N]
#                              [--sigma DIR] [--install] [--keep]
#
# Needs Go, GNU time (/usr/bin/time; --install runs `apt-get install -y
# time` if it is missing) and the SigmaHQ corpus in ../shared/sigma beside
# the repository (or --sigma DIR). No network beyond the Go module proxy.
# Temporary files (binaries, ~470 MB of inputs) are removed on exit unless
# --keep is given.
set -euo pipefail

runs=5
mix_events=200000
pc_events=100000
seed=1
malicious=0.001
install=0
keep=0
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sigma="$root/../shared/sigma"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "bench-hunt: $*" >&2; exit 1; }
need_num() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive integer, not '$2'"; }

while (($#)); do
	case $1 in
	--runs) need_num "$1" "${2-}"; runs=$2; shift 2 ;;
	--mix-events) need_num "$1" "${2-}"; mix_events=$2; shift 2 ;;
	--pc-events) need_num "$1" "${2-}"; pc_events=$2; shift 2 ;;
	--sigma) [[ -n ${2-} ]] || die "--sigma needs a folder"; sigma=$2; shift 2 ;;
	--install) install=1; shift ;;
	--keep) keep=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done

# --- prerequisites ---------------------------------------------------------
command -v go >/dev/null || die "go not found in PATH (Go 1.26 is needed)"
gnu_time() { [[ -x /usr/bin/time ]] && /usr/bin/time -f '%e %M %U %S' -o /dev/null true 2>/dev/null; }
if ! gnu_time; then
	if ((install)); then
		echo "bench-hunt: GNU time missing, installing it (apt-get install -y time)" >&2
		sudo=""
		((EUID == 0)) || sudo=sudo
		# A fresh image may have no package lists yet: update and retry once.
		$sudo apt-get install -y time >&2 || { $sudo apt-get update >&2 && $sudo apt-get install -y time >&2; } ||
			die "apt-get install -y time failed"
		gnu_time || die "/usr/bin/time still unusable after installing 'time'"
	else
		die "GNU time (/usr/bin/time with -f) is missing: install the 'time' package (apt-get install -y time) or rerun with --install"
	fi
fi
corpus=("$sigma/rules" "$sigma/rules-emerging-threats" "$sigma/rules-threat-hunting")
for d in "${corpus[@]}"; do
	[[ -d $d ]] || die "Sigma corpus folder $d not found (expected ../shared/sigma beside the repository; use --sigma DIR)"
done
sigma=$(cd "$sigma" && pwd)
corpus=("$sigma/rules" "$sigma/rules-emerging-threats" "$sigma/rules-threat-hunting")
rule_args=()
for d in "${corpus[@]}"; do rule_args+=(--rules "$d"); done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-hunt.XXXXXX")
cleanup() {
	if ((keep)); then
		echo "bench-hunt: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench-hunt: $*" >&2; }

# --- build and generate ----------------------------------------------------
# The commit is read before building: what is measured is what was built.
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "unknown (not a git checkout)")
if [[ -n $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]]; then commit="$commit+uncommitted changes"; fi
log "building tocsin and tocsin-gen ($commit)"
(cd "$root" && go build -o "$tmp/tocsin" ./cmd/tocsin && go build -o "$tmp/tocsin-gen" ./cmd/tocsin-gen)
log "generating $mix_events mix events and $pc_events process-creation events (seed $seed)"
"$tmp/tocsin-gen" --events "$mix_events" --kind mix --seed "$seed" --malicious "$malicious" --out "$tmp/mix.jsonl"
"$tmp/tocsin-gen" --events "$pc_events" --kind process_creation --seed "$seed" --malicious "$malicious" --out "$tmp/process_creation.jsonl"
: >"$tmp/empty.jsonl"

# --- helpers ---------------------------------------------------------------
# median reads numbers, one a line, and prints their median.
median() {
	sort -g | awk '{v[NR] = $1} END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# timed FILE GOMAXPROCS: one hunt under /usr/bin/time; appends
# "wall_s max_rss_kb cpu_s" to $tmp/times.
timed() {
	local file=$1 procs=$2
	if ! GOMAXPROCS=$procs /usr/bin/time -f '%e %M %U %S' -o "$tmp/time.1" \
		"$tmp/tocsin" hunt --quiet --output jsonl --no-builtin "${rule_args[@]}" "$file" \
		>/dev/null 2>"$tmp/stderr"; then
		cat "$tmp/stderr" >&2
		die "tocsin hunt failed on $file (GOMAXPROCS=$procs)"
	fi
	tail -n 1 "$tmp/time.1" | awk '{print $1, $2, $3 + $4}' >>"$tmp/times"
}

# bench NAME FILE EVENTS GOMAXPROCS: $runs timed hunts, one table row; sets
# the globals wall and cpu to the median wall and CPU seconds.
# Each column is a median on its own; "excl. load" subtracts the median
# wall (or CPU) time of loading the corpus alone ($load_wall, $load_cpu).
bench() {
	local name=$1 file=$2 events=$3 procs=$4
	: >"$tmp/times"
	for ((i = 1; i <= runs; i++)); do
		timed "$file" "$procs"
		log "  $name GOMAXPROCS=$procs run $i/$runs: $(tail -n 1 "$tmp/times" | awk '{printf "%.2fs wall, %.2fs CPU, %.0f MiB", $1, $3, $2 / 1024}')"
	done
	wall=$(awk '{print $1}' "$tmp/times" | median)
	cpu=$(awk '{print $3}' "$tmp/times" | median)
	local kb maxkb bytes
	kb=$(awk '{print $2}' "$tmp/times" | median)
	maxkb=$(awk '{print $2}' "$tmp/times" | sort -n | tail -n 1)
	bytes=$(wc -c <"$file")
	awk -v n="$name" -v p="$procs" -v s="$wall" -v c="$cpu" -v l="$load_wall" -v lc="$load_cpu" -v e="$events" -v b="$bytes" -v kb="$kb" -v mx="$maxkb" -v r="$runs" 'BEGIN {
		if (e > 0) {
			h = s - l; if (h <= 0) h = 1e-9
			hc = c - lc; if (hc <= 0) hc = 1e-9
			printf "%-18s %5s %7.2f %7.2f %9.0f %7.1f %9.0f %7.1f %9.0f %8.0f %8.0f  %d\n", n, p, s, c, e / s, b / 1e6 / s, e / h, b / 1e6 / h, e / hc, kb / 1024, mx / 1024, r
		} else {
			printf "%-18s %5s %7.2f %7.2f %9s %7s %9s %7s %9s %8.0f %8.0f  %d\n", n, p, s, c, "-", "-", "-", "-", "-", kb / 1024, mx / 1024, r
		}
	}' >>"$tmp/table"
}

# count NAME FILE: one untimed hunt (output kept) for rules, detections and
# output volume; it also warms the page cache for the timed runs.
count() {
	local name=$1 file=$2
	if ! "$tmp/tocsin" hunt --output jsonl --no-builtin "${rule_args[@]}" "$file" \
		>"$tmp/out.jsonl" 2>"$tmp/count.err"; then
		cat "$tmp/count.err" >&2
		die "tocsin hunt failed on $file"
	fi
	local rules summary events dets corrs outb outl
	rules=$(sed -n 's/^tocsin hunt: \([0-9]*\) rules loaded (\([0-9]*\) failed).*/\1 loaded, \2 failed/p' "$tmp/count.err")
	summary=$(grep -m1 '^Summary:' "$tmp/count.err" || true)
	[[ -n $summary ]] || die "no summary line from tocsin hunt on $file"
	events=$(sed -n 's/^Summary: \([0-9]*\) events.*/\1/p' <<<"$summary")
	dets=$(sed -n 's/.*: \([0-9]*\) detections.*/\1/p' <<<"$summary")
	corrs=$(sed -n 's/.*, \([0-9]*\) correlations.*/\1/p' <<<"$summary")
	outb=$(wc -c <"$tmp/out.jsonl")
	outl=$(wc -l <"$tmp/out.jsonl")
	rm -f "$tmp/out.jsonl"
	awk -v n="$name" -v ev="$events" -v d="$dets" -v c="$corrs" -v ob="$outb" -v ol="$outl" -v ib="$(wc -c <"$file")" 'BEGIN {
		printf "%-18s %8d %9.1f %10d %6s %10.2f %9.1f %8d\n", n, ev, ib / 1e6, d, c, (ev > 0 ? 1000 * d / ev : 0), ob / 1e6, ol
	}' >>"$tmp/counts"
	echo "$rules" >"$tmp/rules"
	grep -m1 ' records skipped\| input errors' "$tmp/count.err" >&2 || true
}

# --- run -------------------------------------------------------------------
# loadavg counts every runnable task on the host; the CPU pressure (PSI:
# share of time some task waited for a CPU) says better how contended the
# cores were.
machine_load() {
	local psi=""
	[[ -r /proc/pressure/cpu ]] && psi=", CPU pressure $(sed -n 's/^some avg10=\([0-9.]*\) avg60=\([0-9.]*\).*/\1% (10 s) \2% (60 s)/p' /proc/pressure/cpu)"
	echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg)$psi"
}
load_start=$(machine_load)
log "before: $load_start"
: >"$tmp/table"
: >"$tmp/counts"
count mix "$tmp/mix.jsonl"
count process_creation "$tmp/process_creation.jsonl"

ncpu=$(getconf _NPROCESSORS_ONLN)
procs_list=("$ncpu")
((ncpu == 1)) || procs_list+=(1) # and the per-core figure
load_wall=0 load_cpu=0
for procs in "${procs_list[@]}"; do
	bench "corpus load only" "$tmp/empty.jsonl" 0 "$procs"
	load_wall=$wall load_cpu=$cpu
	bench mix "$tmp/mix.jsonl" "$mix_events" "$procs"
	bench process_creation "$tmp/process_creation.jsonl" "$pc_events" "$procs"
done
load_end=$(machine_load)

# --- report ----------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
cat <<EOF

tocsin hunt with the SigmaHQ corpus, rules $(cat "$tmp/rules"): ${corpus[*]}
commit $commit, $(go version | cut -d' ' -f3-), $ncpu CPUs ($cpu_model)
before: $load_start
after:  $load_end
Medians of $runs runs (each column on its own). e2e: events or MB over the
whole run's wall time. excl. load: over wall time minus the median wall time
of loading the corpus alone at the same GOMAXPROCS; ev/CPU-s likewise over
user+sys CPU time, less sensitive than wall time to other load on the machine.
RSS: /usr/bin/time's maximum resident set size.

EOF
printf '%-18s %5s %7s %7s %9s %7s %9s %7s %9s %8s %8s  %s\n' \
	input procs "wall s" "CPU s" events/s MB/s events/s MB/s ev/CPU-s "RSS med" "RSS max" runs \
	"" "" "" "" e2e e2e "excl." "excl." "excl." MiB MiB ""
cat "$tmp/table"
echo
printf '%-18s %8s %9s %10s %6s %10s %9s %8s\n' input events "input MB" detections corr. det/1k.ev "out MB" "out lines"
cat "$tmp/counts"
