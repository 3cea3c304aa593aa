#!/usr/bin/env bash
# TimeMark side by side with plain Mosquitto on this machine, in one run:
# rounds of A B A B … at QoS 0 and 1, ~200-byte signed BRAID datagrams,
# 8 publishers and 1 subscriber (bench/TimeMark.Bench broker-load).
# Prints one JSON line per run, with the broker's CPU time per delivered message
# read from /proc, then a summary table of medians.
#   usage: bench/brokers.sh [ROUNDS] [PUBLISHERS] [MESSAGES_PER_PUBLISHER]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} publishers=${2:-8} messages=${3:-2000}

command -v mosquitto >/dev/null || { echo "brokers.sh: needs the Debian package mosquitto" >&2; exit 2; }
dotnet build -c Release src/TimeMark.Cli >/dev/null
dotnet build -c Release bench/TimeMark.Bench >/dev/null
timemark="dotnet $PWD/src/TimeMark.Cli/bin/Release/net10.0/timemark.dll"
load="dotnet $PWD/bench/TimeMark.Bench/bin/Release/net10.0/TimeMark.Bench.dll broker-load"

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)

mosquitto_port=$(free_port)
cat > "$work/mosquitto.conf" <<CONF
listener $mosquitto_port 127.0.0.1
allow_anonymous true
set_tcp_nodelay true
max_queued_messages 1000000
max_inflight_messages 0
persistence false
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!); mosquitto_pid=$!

mkdir -p "$work/timemark/devices"
echo '{ "Access": [ { "Identity": "bench", "Subscribe": [ "braid/#" ] } ], "Logging": { "LogLevel": { "Default": "Warning" } } }' > "$work/timemark/timemark.json"
timemark_port=$(free_port) http_port=$(free_port)
(cd "$work/timemark" && exec $timemark serve --mqtt "127.0.0.1:$timemark_port" --http "127.0.0.1:$http_port" >"$work/timemark.log" 2>&1) &
pids+=($!); timemark_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http_port/healthz" >/dev/null && break; sleep 0.2; done
# The timemark process is dotnet running timemark.dll: its pid is the subshell's exec'd child.
timemark_pid=$(pgrep -f "timemark.dll serve --mqtt 127.0.0.1:$timemark_port" | head -1)

results="$work/results.jsonl"
run() { # broker-name pid port qos devices-dir [subscriber-username]
  local before after line
  before=$(cpu_ticks "$2")
  line=$($load 127.0.0.1 "$3" "$publishers" "$messages" "$4" "$5" ${6:-})
  after=$(cpu_ticks "$2")
  line=$(echo "$line" | /usr/bin/python3 -c "
import json, sys
r = json.loads(sys.stdin.read()); r['broker'] = '$1'
r['broker_cpu_us_per_message'] = round(($after - $before) * 1e6 / $ticks_per_second / max(r['delivered'], 1), 1)
print(json.dumps(r))")
  echo "$line" | tee -a "$results"
}

for round in $(seq "$rounds"); do
  for qos in 0 1; do
    run mosquitto "$mosquitto_pid" "$mosquitto_port" "$qos" "$work/mosquitto-devices"
    run timemark "$timemark_pid" "$timemark_port" "$qos" "$work/timemark/devices" bench
  done
done

/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print(f"\n{'broker':10} {'qos':>3} {'msg/s (median)':>15} {'cpu us/msg':>11} {'lost':>5}")
for qos in (0, 1):
    base = None
    for broker in ("mosquitto", "timemark"):
        runs = [r for r in rows if r["broker"] == broker and r["qos"] == qos]
        rate = statistics.median(r["delivered_per_second"] for r in runs)
        cpu = statistics.median(r["broker_cpu_us_per_message"] for r in runs)
        lost = sum(r["lost"] for r in runs)
        base = base or rate
        print(f"{broker:10} {qos:>3} {rate:>15.0f} {cpu:>11.1f} {lost:>5}   ratio {rate / base:.2f}")
PY
