#!/usr/bin/env bash
# Time each step of a fresh clone's `make run` up to the first answered API request, and the venv size.
#   bench/make_run_steps.sh [branch]      (clones this repository into a temporary directory; uv when on PATH)
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
branch=${1:-$(git -C "$repo" rev-parse --abbrev-ref HEAD)}
dir=$(mktemp -d)
port=${RECTIFY_PORT:-18499}
t() { date +%s.%N; }
d() { echo "$2 - $1" | bc; }
T0=$(t); git clone -q --branch "$branch" "$repo" "$dir/rectify"; cd "$dir/rectify"; T1=$(t)
if command -v uv >/dev/null; then
  uv venv -q --python python3 .venv; T2=$(t)
  uv pip install -q --python .venv/bin/python --require-hashes --no-deps -r requirements/runtime.lock; T3=$(t)
  uv pip install -q --python .venv/bin/python --no-deps --no-build-isolation \
    -e shared -e services/issues-api -e services/notifier -e services/report-worker; T4=$(t)
  touch .venv/.runtime-stamp
else
  T2=$T1; T3=$T1; make install >/dev/null; T4=$(t)
fi
RECTIFY_PORT=$port setsid make run > "$dir/run.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
  sleep 0.2; kill -0 "$pid" 2>/dev/null || { echo "make run exited: $dir/run.log"; exit 1; }
done
T5=$(t)
echo "clone $(d "$T0" "$T1") s, venv $(d "$T1" "$T2") s, lock $(d "$T2" "$T3") s, local packages $(d "$T3" "$T4") s," \
     "run to first request $(d "$T4" "$T5") s; total $(d "$T0" "$T5") s (load average: $(cut -d' ' -f1 /proc/loadavg))"
echo "venv: $(du -sh --apparent-size .venv | cut -f1) apparent, $(du -sh .venv | cut -f1) on disk"
kill -INT -- -"$pid"; sleep 5; kill -TERM -- -"$pid" 2>/dev/null || true
rm -rf "$dir"
