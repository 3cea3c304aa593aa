#!/usr/bin/env bash
# Connection scale, TimeMark next to plain Mosquitto on this machine, one after the other in one run (issue 7).
#
# For each broker in turn (Debian's Mosquitto 2, then timemark serve on the full path: verify SIGN + mark + durable
# SQLite log), started alone on a free loopback port: CONNECTIONS raw-socket MQTT v5 agents connect with a
# keep-alive of KEEP_ALIVE seconds and stay idle for HOLD_SECONDS (PINGREQs only), then each of the first BURST
# publishes one signed datagram at QoS 1 while one subscriber counts deliveries (idle-connections in the bench
# program). The broker's VmRSS and VmHWM (/proc/PID/status) and CPU time (utime + stime, /proc/PID/stat) are read
# before the agents connect, after all connected, after the hold and after the burst.
# Target (issue 7): 20,000 concurrent device connections in at most 1 GiB RSS for TimeMark.
# Prints one JSON line per broker, then a table and one JSON summary line.
#   usage: bench/connections.sh [CONNECTIONS] [BURST]     (default 20000, BURST = CONNECTIONS)
#   env:   KEEP_ALIVE=30  HOLD_SECONDS=60  SKIP_BUILD=1 (use the built binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
connections=${1:-20000}
burst=${2:-$connections}
keep_alive=${KEEP_ALIVE:-30} hold=${HOLD_SECONDS:-60}

command -v mosquitto >/dev/null || { echo "connections.sh: needs the Debian package mosquitto" >&2; exit 2; }
# Every agent is one descriptor in the broker and one in the generator, on top of the few hundred each process holds
# anyway (timemark serve: about 230); both inherit this limit. TimeMark holds at most the limit minus 512 connections
# (docs/broker.md) and closes the rest at once, so the limit must leave room for all of them and the subscriber. Raising the hard limit
# takes CAP_SYS_RESOURCE (root outside a container).
fds=$(( connections + 1 + 512 ))
ulimit -n "$fds" 2>/dev/null || {
  echo "connections.sh: $connections connections need ulimit -n $fds, but the hard limit is $(ulimit -Hn) and cannot be raised here;" \
       "raise it (limits.conf, systemd LimitNOFILE, docker --ulimit nofile=…) or run at most $(( $(ulimit -Hn) - 513 )) connections" >&2
  exit 2
}
if [[ -z "${SKIP_BUILD:-}" ]]; then
  dotnet build -c Release src/TimeMark.Cli >/dev/null
  dotnet build -c Release bench/TimeMark.Bench >/dev/null
fi
bench="dotnet $repo/bench/TimeMark.Bench/bin/Release/net10.0/TimeMark.Bench.dll"

work=$(mktemp -d)
broker_pid=""
cleanup() { [[ -n "$broker_pid" ]] && kill "$broker_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
stop_broker() { kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; broker_pid=""; }

start_mosquitto() {
  port=$(free_port)
  { echo "listener $port 127.0.0.1"; cat bench/mosquitto.conf; } > "$work/mosquitto.conf"
  mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  broker_pid=$! devices=$work/mosquitto-devices user=""
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
}

start_timemark() { # as bench/brokers.sh does, full path
  local dir=$work/timemark http
  mkdir -p "$dir/devices"
  echo '{ "Access": [ { "Identity": "bench", "Subscribe": [ "braid/#" ] } ], "Logging": { "LogLevel": { "Default": "Warning" } } }' > "$dir/timemark.json"
  port=$(free_port) http=$(free_port)
  (cd "$dir" && exec dotnet "$repo/src/TimeMark.Cli/bin/Release/net10.0/timemark.dll" serve --mqtt "127.0.0.1:$port" --http "127.0.0.1:$http" >"$dir/timemark.log" 2>&1) &
  # The subshell exec'd dotnet, so its pid is the broker's.
  broker_pid=$! devices=$dir/devices user=bench
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$http/healthz" >/dev/null && break; sleep 0.2; done
}

results="$work/results.jsonl"
run() { # broker first-source
  local line
  line=$($bench idle-connections 127.0.0.1 "$port" "$broker_pid" "$connections" "$burst" "$devices" ${user:+--user $user} \
         --keep-alive "$keep_alive" --hold "$hold" --first-source "$2") || true
  [[ -n "$line" ]] || line='{}'
  echo "$line" | /usr/bin/python3 -c "import json, sys; r = json.loads(sys.stdin.read()); r['broker'] = sys.argv[1]; print(json.dumps(r))" "$1" | tee -a "$results"
  stop_broker
}

# Each run's agents bind their own block of source addresses, so the sockets the last run left in TIME_WAIT cost
# this one no ports.
start_mosquitto; run mosquitto 127.0.1.1
start_timemark; run timemark-full 127.0.2.1

/usr/bin/python3 - "$results" "$(date -u +%FT%TZ)" "$connections" "$burst" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print(f"\n{int(sys.argv[3]):,} connections, burst of {int(sys.argv[4]):,} (one QoS 1 message each)")
print(f"{'broker':14} {'phase':10} {'at s':>6} {'rss MiB':>8} {'hwm MiB':>8} {'cpu s':>7} {'fds':>6} {'gen rss MiB':>11}")
for r in rows:
    previous = None
    for p in r.get("phases", []):
        cpu = p["cpu_seconds"] - previous["cpu_seconds"] if previous else 0
        print(f"{r['broker']:14} {p['name']:10} {p['at_seconds']:>6.1f} {p['rss_mib']:>8.1f} {p['hwm_mib']:>8.1f} {cpu:>7.2f} {p['fds']:>6} {p['generator_rss_mib']:>11.1f}")
        previous = p
print("(cpu s: broker CPU time spent in the phase ending at that reading)\n")
print(f"{'broker':14} {'connected':>9} {'failed':>6} {'dropped':>7} {'conn s':>6} {'KiB/conn':>8} {'pings':>7} {'pongs':>7} {'delivered':>9} {'lost':>5} {'refused':>7} {'burst s':>7}")
summary = {"date": sys.argv[2], "connections": int(sys.argv[3]), "burst": int(sys.argv[4]), "brokers": []}
for r in rows:
    if "phases" not in r:
        print(f"{r['broker']:14} (the generator printed nothing)")
        summary["brokers"].append(r)
        continue
    by = {p["name"]: p for p in r["phases"]}
    per_connection = (by["connected"]["rss_mib"] - by["start"]["rss_mib"]) * 1024 / max(r["connected"], 1)
    row = {"broker": r["broker"], "connected": r["connected"], "failed": r["failed"], "dropped": r["dropped"],
           "connect_seconds": r["connect_seconds"], "rss_kib_per_connection": round(per_connection, 1),
           "rss_mib": {n: by[n]["rss_mib"] for n in by}, "hwm_mib": {n: by[n]["hwm_mib"] for n in by},
           "cpu_seconds": {n: round(by[n]["cpu_seconds"] - by[m]["cpu_seconds"], 2) for m, n in zip(list(by), list(by)[1:])},
           "pings_sent": r["pings_sent"], "pings_answered": r["pings_answered"], "published": r["published"],
           "delivered": r["delivered"], "duplicates": r["duplicates"], "lost": r["lost"], "refused": r["refused"],
           "burst_seconds": r["burst_seconds"], "generator_peak_rss_mib": max(p["generator_rss_mib"] for p in r["phases"]),
           "first_failure": r["first_failure"], "first_drop": r["first_drop"]}
    summary["brokers"].append(row)
    print(f"{r['broker']:14} {r['connected']:>9} {r['failed']:>6} {r['dropped']:>7} {r['connect_seconds']:>6.1f} {per_connection:>8.1f} {r['pings_sent']:>7} {r['pings_answered']:>7} {r['delivered']:>9} {r['lost']:>5} {r['refused']:>7} {r['burst_seconds']:>7.2f}")
    for what in ("first_failure", "first_drop"):
        if r[what]:
            print(f"{'':14} {what.replace('_', ' ')}: {r[what]}")
timemark = next((b for b in summary["brokers"] if b.get("broker") == "timemark-full" and "hwm_mib" in b), None)
if timemark:
    start, peak = timemark["rss_mib"]["start"], max(timemark["hwm_mib"].values())
    if timemark["connected"] >= 20000:
        met = timemark["dropped"] == 0 and timemark["lost"] == 0 and peak <= 1024
        target = {"timemark_peak_rss_mib": peak, "met": met}
        verdict = f"{'met' if met else 'not met'}: peak RSS {peak:,.1f} MiB"
    else:
        # Not measured at 20,000: the linear projection from this run, which is only a hint (fixed costs, GC heap growth).
        projected = start + (peak - start) * 20000 / max(timemark["connected"], 1)
        target = {"timemark_peak_rss_mib": peak, "met": None, "projected_peak_rss_mib_at_20000": round(projected, 1)}
        verdict = f"not measured ({timemark['connected']:,} connected); linear projection of the peak RSS: {projected:,.0f} MiB"
    summary["target_20000_in_1_gib"] = target
    print(f"\ntarget (issue 7), 20,000 connections in <= 1 GiB RSS for TimeMark: {verdict}")
print("\n" + json.dumps(summary))
PY
