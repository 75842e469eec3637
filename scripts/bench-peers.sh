#!/usr/bin/env bash
# Tocsin against CrowdSec and fail2ban, in one run, on the same logs: the
# shared generators' sshd auth.logs and nginx access logs (seed 7, with
# ground truth), scored the same way, timed the same way (wall time with
# start-up). For each input it prints a Markdown table row per tool: lines
# per second, Tocsin's ratio to the peer, precision, recall, and what was
# missed.
#
# An IP counts as flagged by Tocsin when a detection or correlation of level
# medium or above names it in entities.src_ip or group.src_ip; the peers'
# flagged IPs are their ban decisions (../shared/bench/peers/).
#
# Usage: scripts/bench-peers.sh [--sizes "ssh:100000 nginx:100000 ..."]
#                               [--runs N] [--work DIR] [--no-crowdsec-above N]
#
#   --sizes    kind:lines items; kind is ssh or nginx
#              (default "ssh:100000 ssh:1000000 nginx:100000 nginx:1000000")
#   --runs     Tocsin runs per input; the median is reported (default 5)
#   --work     where logs, results and the binary go (default: a new temp dir,
#              kept so the results can be read again)
#   --no-crowdsec-above N
#              skip CrowdSec on inputs of more than N lines (it reads about
#              600 nginx lines/s: a million takes half an hour); 0 never skips
#
# Needs Go, Python 3, GNU time (/usr/bin/time) and ../shared beside the
# repository; the peer scripts install CrowdSec and fail2ban from Debian's
# packages when missing. Timings are only comparable on an idle machine: the
# load average is printed with each row.
set -euo pipefail

sizes="ssh:100000 ssh:1000000 nginx:100000 nginx:1000000"
runs=5
work=""
cs_max=0
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared="$root/../shared/bench"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "bench-peers: $*" >&2; exit 1; }
need_num() { [[ $2 =~ ^[0-9]+$ ]] || die "$1 needs a number, not '$2'"; }

while (($#)); do
	case $1 in
	--sizes) [[ -n ${2-} ]] || die "--sizes needs a list"; sizes=$2; shift 2 ;;
	--runs) need_num "$1" "${2-}"; runs=$2; shift 2 ;;
	--work) [[ -n ${2-} ]] || die "--work needs a folder"; work=$2; shift 2 ;;
	--no-crowdsec-above) need_num "$1" "${2-}"; cs_max=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
((runs > 0)) || die "--runs must be at least 1"
[[ -d $shared/peers ]] || die "$shared/peers not found: ../shared must be beside the repository"
command -v go >/dev/null || die "go not found in PATH"
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) not found: apt-get install -y time"
work=${work:-$(mktemp -d "${TMPDIR:-/tmp}/tocsin-peers.XXXXXX")}
mkdir -p "$work"
echo "bench-peers: work folder $work, $(nproc) cores" >&2

(cd "$root" && go build -o "$work/tocsin" ./cmd/tocsin)

# flagged FILE.jsonl > ips: the definition above.
flagged() {
	python3 - "$1" <<'PY'
import json, sys
ips = set()
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["rule"].get("level") in ("medium", "high", "critical"):
        ip = (d.get("entities") or {}).get("src_ip") or (d.get("group") or {}).get("src_ip")
        if ip:
            ips.add(ip)
print("\n".join(sorted(ips)))
PY
}

# score IPS LOG: "precision recall missed" from compare.py.
score() {
	python3 "$shared/peers/compare.py" "$1" "$2.truth" "$2.truth.tsv" | tail -n 1 |
		sed -E 's/.*precision=([0-9.]+) recall=([0-9.]+) missed=\[([^]]*)\].*/\1 \2 \3/'
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
load() { cut -d' ' -f1 /proc/loadavg; }

echo "| input | tool | lines/s | Tocsin's ratio | precision | recall | missed | load |"
echo "|---|---|---|---|---|---|---|---|"
for item in $sizes; do
	kind=${item%%:*} n=${item##*:}
	[[ $kind == ssh || $kind == nginx ]] || die "unknown kind '$kind' in --sizes"
	need_num "--sizes" "$n"
	log="$work/$kind-$n.log"
	if [[ ! -s $log ]]; then
		if [[ $kind == ssh ]]; then
			python3 "$shared/gen_authlog.py" --lines "$n" --seed 7 --slow 5 --out "$log" >/dev/null
		else
			python3 "$shared/gen_nginxlog.py" --lines "$n" --seed 7 --out "$log" >/dev/null
		fi
	fi
	lines=$(wc -l <"$log")

	times=()
	for ((i = 0; i < runs; i++)); do
		/usr/bin/time -f '%e' -o "$work/time" "$work/tocsin" hunt --quiet --output jsonl "$log" >"$work/tocsin-$kind-$n.jsonl"
		times+=("$(cat "$work/time")")
	done
	t=$(printf '%s\n' "${times[@]}" | median)
	tocsin_rate=$(awk -v l="$lines" -v t="$t" 'BEGIN {printf "%d", l / (t > 0 ? t : 0.001)}')
	flagged "$work/tocsin-$kind-$n.jsonl" >"$work/tocsin-$kind-$n.ips"
	read -r p r m < <(score "$work/tocsin-$kind-$n.ips" "$log")
	echo "| $kind, $lines lines | Tocsin (median of $runs) | $tocsin_rate | | $p | $r | ${m:--} | $(load) |"

	for peer in fail2ban crowdsec; do
		if [[ $peer == crowdsec ]] && ((cs_max > 0 && lines > cs_max)); then
			echo "| | crowdsec | skipped (--no-crowdsec-above $cs_max) | | | | | |"
			continue
		fi
		out=$("$shared/peers/${peer}_replay.sh" "$log" "$work/$peer-$kind-$n.ips" "$kind" 2>"$work/$peer-$kind-$n.err" | tail -n 1)
		rate=$(sed -nE 's/.*lines_per_s=([0-9.]+).*/\1/p' <<<"$out")
		[[ -n $rate ]] || die "$peer on $log printed no rate; see $work/$peer-$kind-$n.err"
		ratio=$(awk -v a="$tocsin_rate" -v b="$rate" 'BEGIN {printf "%.0f×", a / b}')
		read -r p r m < <(score "$work/$peer-$kind-$n.ips" "$log")
		echo "| | $peer | ${rate%.*} | $ratio | $p | $r | ${m:--} | $(load) |"
	done
done
