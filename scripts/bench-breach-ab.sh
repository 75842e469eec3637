#!/usr/bin/env bash
# Compares the breach scan of two builds of Tocsin, one core each, on the
# inputs of docs/PERFORMANCE.md:
#
#   tocsin breach scan --quiet --workers 1 FILE >/dev/null
#
# in rounds of four runs, A B B A. Each round gives the ratio of B's speed
# to A's from its two pairs, which cancels most of a shared machine's
# drift; the figure is the median of the rounds' ratios with its
# quartiles, beside each build's median and best MB per CPU-second (user
# plus system time of the process). A build compared with itself gives
# about 1.00: the quartiles say how far the noise reaches.
#
# Usage: scripts/bench-breach-ab.sh [--rounds N] [--inputs DIR]
#                                   [--files "FILE..."] REV_A [REV_B]
#
# REV_A and REV_B are git revisions; REV_B defaults to the working tree.
# The inputs are written into DIR (default: a temporary folder, removed on
# exit) by TestWriteBenchInputs when it holds none yet; orders4.csv and
# tickets4.log are four copies of orders.csv and tickets.log. The default
# files are orders4.csv, orders128.csv, orders.csv, export.csv and
# tickets4.log (about 470 MB with the others TestWriteBenchInputs writes).
# Needs Go, git and python3.
set -euo pipefail

rounds=10
inputs=""
files="orders4.csv orders128.csv orders.csv export.csv tickets4.log"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "bench-breach-ab: $*" >&2; exit 1; }

revs=()
while (($#)); do
	case $1 in
	--rounds) [[ ${2-} =~ ^[1-9][0-9]*$ ]] || die "--rounds needs a positive integer, not '${2-}'"; rounds=$2; shift 2 ;;
	--inputs) [[ -n ${2-} ]] || die "--inputs needs a folder"; inputs=$2; shift 2 ;;
	--files) [[ -n ${2-} ]] || die "--files needs file names"; files=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; die "unknown argument '$1'" ;;
	*) revs+=("$1"); shift ;;
	esac
done
((${#revs[@]} >= 1 && ${#revs[@]} <= 2)) || { usage >&2; die "give one or two git revisions"; }
for tool in go git python3; do command -v $tool >/dev/null || die "$tool not found in PATH"; done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-breach-ab.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# build REV OUT: the tocsin of a revision, from its files alone.
build() {
	local src="$tmp/src-$2"
	git -C "$root" rev-parse --verify --quiet "$1^{commit}" >/dev/null || die "'$1' is not a revision of $root"
	mkdir -p "$src"
	git -C "$root" archive "$1" | tar -x -C "$src"
	(cd "$src" && go build -o "$tmp/$2" ./cmd/tocsin) || die "building $1 failed"
	rm -rf "$src"
}
echo "bench-breach-ab: building ${revs[0]} (A)" >&2
build "${revs[0]}" a
if ((${#revs[@]} == 2)); then
	echo "bench-breach-ab: building ${revs[1]} (B)" >&2
	build "${revs[1]}" b
else
	echo "bench-breach-ab: building the working tree (B)" >&2
	(cd "$root" && go build -o "$tmp/b" ./cmd/tocsin) || die "building the working tree failed"
fi

if [[ -z $inputs ]]; then
	inputs="$tmp/inputs"
fi
mkdir -p "$inputs"
inputs=$(cd "$inputs" && pwd)
if [[ ! -f $inputs/orders.csv ]]; then
	echo "bench-breach-ab: writing the inputs into $inputs" >&2
	(cd "$root" && TOCSIN_BENCH_INPUTS="$inputs" go test -count=1 -run '^TestWriteBenchInputs$' ./internal/breach/ >/dev/null) ||
		die "TestWriteBenchInputs failed"
fi
for f in orders tickets; do
	ext=csv
	[[ $f == tickets ]] && ext=log
	if [[ ! -f $inputs/${f}4.$ext && -f $inputs/$f.$ext ]]; then
		cat "$inputs/$f.$ext" "$inputs/$f.$ext" "$inputs/$f.$ext" "$inputs/$f.$ext" >"$inputs/${f}4.$ext"
	fi
done
for f in $files; do [[ -f $inputs/$f ]] || die "no input $inputs/$f"; done

python3 - "$tmp/a" "$tmp/b" "$inputs" "$rounds" $files <<'PY'
import os, statistics, subprocess, sys

a, b, inputs, rounds, files = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]

def cpu(binary, path):
    """The CPU seconds (user plus system) of one scan of path."""
    p = subprocess.Popen([binary, "breach", "scan", "--quiet", "--workers", "1", path],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, use = os.wait4(p.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"bench-breach-ab: {binary} exited with {code} on {path}")
    return use.ru_utime + use.ru_stime

print(f"{'input':16} {'MB':>7} {'A median':>9} {'A best':>8} {'B median':>9} {'B best':>8}  B/A, median of {rounds} rounds (quartiles)")
for f in files:
    path = os.path.join(inputs, f)
    mb = os.path.getsize(path) / 1e6
    ta, tb, ratios = [], [], []
    for _ in range(rounds):
        a1, b1, b2, a2 = cpu(a, path), cpu(b, path), cpu(b, path), cpu(a, path)
        ta += [a1, a2]
        tb += [b1, b2]
        ratios.append((a1 + a2) / (b1 + b2))
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    print(f"{f:16} {mb:7.1f} {mb / statistics.median(ta):9.1f} {mb / min(ta):8.1f} "
          f"{mb / statistics.median(tb):9.1f} {mb / min(tb):8.1f}  {statistics.median(ratios):.3f} ({q[0]:.3f}, {q[2]:.3f})")
PY
