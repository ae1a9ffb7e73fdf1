#!/usr/bin/env bash
# Load bench for the dashboard API: runs the demo, lets it collect for a while, then drives the
# dashboard's data calls with wrk (Debian package) at 50 concurrent connections and prints
# requests/s and p99 latency, each also as a ratio to /api/health measured in the same run
# (the server's per-request floor on this machine).
#
#   bench/web-load.sh [warmup-seconds] [seconds-per-endpoint]
set -euo pipefail
cd "$(dirname "$0")/.."
warmup=${1:-120}
duration=${2:-20}
port=18080
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
data=$(mktemp -d)
./kilowatch demo --port "$port" --data-dir "$data" --rate-limit-per-minute 0 > "$data/demo.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break
  sleep 1
done
echo "demo up; collecting for ${warmup}s before loading it"
sleep "$warmup"

run() { # name path → "req/s p99ms"
  local out rps p99
  out=$(wrk -t2 -c50 -d"${duration}s" --latency "http://127.0.0.1:$port$2")
  # Only successful answers count: a bench of error responses would flatter the server.
  if grep -q "Non-2xx" <<<"$out"; then
    echo "$1: $(grep Non-2xx <<<"$out")" >&2
    exit 1
  fi
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  echo "$1 $rps $p99"
}

base=$(run health /api/health)
read -r _ base_rps base_p99 <<<"$base"
printf '%-34s %12s %10s %12s %12s\n' endpoint "req/s" "p99 ms" "rps/health" "p99/health"
printf '%-34s %12.0f %10.1f %12s %12s\n' "/api/health (baseline)" "$base_rps" "$base_p99" 1.00 1.00
for spec in \
  "overview-15m|/api/overview?from=-15m&step=5s" \
  "query-pdu-power-15m|/api/query?measurement=pdu&field=power_w&from=-15m&step=5s" \
  "latest-gpu-temp|/api/latest?measurement=gpu&field=temp_c&window=2m" \
  "query-raw-main-meter|/api/query?measurement=meter&field=power_w&tags=device:main-meter&from=-5m"; do
  name=${spec%%|*}; path=${spec#*|}
  read -r _ rps p99 <<<"$(run "$name" "$path")"
  printf '%-34s %12.0f %10.1f %12.3f %12.1f\n' "$name" "$rps" "$p99" \
    "$(awk -v a="$rps" -v b="$base_rps" 'BEGIN{print a/b}')" "$(awk -v a="$p99" -v b="$base_p99" 'BEGIN{print a/b}')"
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); kilowatch and wrk share it"
