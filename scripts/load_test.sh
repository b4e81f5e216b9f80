#!/usr/bin/env bash
# Bounded load test of `fovea serve` on loopback (not part of CI): starts the service on the
# bundled MobileNetV2, then runs wrk with 16 connections for DURATION against /infer and then
# /classify, and prints throughput, latency percentiles, failed requests and the service's RSS
# before and after.
#   scripts/load_test.sh [BUILD_DIR] (default build); DURATION=60s PORT=18080 THREADS=0
#   MAX_BATCH=8 MAX_DELAY_MS=2 WORKERS=16 override the defaults; ROUNDS=N repeats both runs N
#   times (RSS after each shows whether memory settles after the first round).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
duration=${DURATION:-60s}
port=${PORT:-18080}
tmp=$(mktemp -d)
command -v wrk >/dev/null || { echo "load_test: wrk is missing (scripts/setup-deps.sh)" >&2; exit 1; }

"$build/apps/fovea" serve --model mnv2="$root/models/mobilenetv2-fp32.onnx" --host 127.0.0.1 \
  --port "$port" --workers "${WORKERS:-16}" --max-batch "${MAX_BATCH:-8}" \
  --max-delay-ms "${MAX_DELAY_MS:-2}" --threads "${THREADS:-0}" >"$tmp/serve.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
rss() {
  echo "$(awk '/VmRSS/ {print $2 " kB"}' "/proc/$server/status") (malloc in use: $(curl -s \
    "http://127.0.0.1:$port/metrics" | awk '/^fovea_heap_in_use_bytes/ {printf "%d kB", $2 / 1024}'))"
}

# Request bodies: one seeded random image as KServe JSON, and the sample photo.
python3 - "$tmp/infer.json" <<'PY'
import json, random, sys
random.seed(1)
data = [round(random.uniform(-2, 2), 4) for _ in range(3 * 224 * 224)]
json.dump({"inputs": [{"name": "input", "shape": [1, 3, 224, 224], "datatype": "FP32",
                       "data": data}]}, open(sys.argv[1], "w"))
PY
cat >"$tmp/post.lua" <<'LUA'
-- Posts the file named by the BODY environment variable; counts non-200 answers as failures.
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE")
local failures = 0
response = function(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-200 answers: %d; errors: connect %d read %d write %d timeout %d\n",
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
  io.write(string.format("latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
LUA

# Warm up (plans for the batch sizes in use), then measure.
BODY="$tmp/infer.json" CONTENT_TYPE=application/json wrk -t2 -c16 -d5s -s "$tmp/post.lua" \
  "http://127.0.0.1:$port/v2/models/mnv2/infer" >/dev/null
echo "RSS before: $(rss)"
for round in $(seq "${ROUNDS:-1}"); do
  echo "== round $round: /infer (JSON tensors, 16 connections, $duration)"
  BODY="$tmp/infer.json" CONTENT_TYPE=application/json wrk -t2 -c16 -d"$duration" --timeout 10s \
    -s "$tmp/post.lua" "http://127.0.0.1:$port/v2/models/mnv2/infer"
  echo "RSS after /infer: $(rss)"
  echo "== round $round: /classify (PNG upload, 16 connections, $duration)"
  BODY="$root/models/samples/chelsea.png" CONTENT_TYPE=image/png wrk -t2 -c16 -d"$duration" \
    --timeout 10s -s "$tmp/post.lua" "http://127.0.0.1:$port/v2/models/mnv2/classify"
  echo "RSS after /classify: $(rss)"
done
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^fovea_(batch_size_(sum|count)|request_errors_total|requests_total)' || true
