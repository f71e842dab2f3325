#!/usr/bin/env bash
# Soak test (issue 7.6): two processes run a mixed workload on one store for SECONDS (default 60)
# and sample their RSS and open file descriptors once a second; fails if either grows after
# warm-up (the first third). Needs the debug build of StoreWriter: `swift build` builds it.
#     Tests/Helpers/soak.sh [SECONDS] [TASKS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
tasks=${2:-16}
writer=${STORE_WRITER:-.build/debug/StoreWriter}
[ -x "$writer" ] || { echo "soak: $writer is missing; run 'swift build' first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$writer" soak "$work/store" "$seconds" "$tasks" > "$work/a.jsonl" &
a=$!
"$writer" soak "$work/store" "$seconds" "$tasks" > "$work/b.jsonl" &
b=$!
wait $a
wait $b
python3 - "$seconds" "$work/a.jsonl" "$work/b.jsonl" <<'PY'
import json, sys
seconds = float(sys.argv[1])
failed = False
for path in sys.argv[2:]:
    samples = [json.loads(l) for l in open(path) if l.strip()]
    if len(samples) < 4:
        print(f"soak: {path}: only {len(samples)} samples"); failed = True; continue
    warm = max(1, len(samples) // 3)
    baseline_rss = max(s["rss_kb"] for s in samples[:warm + 1])
    baseline_fds = max(s["fds"] for s in samples[:warm + 1])
    late = samples[warm + 1:]
    peak_rss = max(s["rss_kb"] for s in late)
    peak_fds = max(s["fds"] for s in late)
    ops = samples[-1]["ops"]
    # Allowed: 10 % + 8 MiB of RSS noise (allocator, page cache of mapped files), 2 descriptors.
    rss_ok = peak_rss <= baseline_rss * 1.10 + 8 * 1024
    fds_ok = peak_fds <= baseline_fds + 2
    print(f"soak: {path.rsplit('/',1)[-1]}: {ops} ops in {seconds:.0f} s; RSS after warm-up {baseline_rss/1024:.1f} MiB, "
          f"peak later {peak_rss/1024:.1f} MiB ({'ok' if rss_ok else 'GREW'}); fds {baseline_fds} -> {peak_fds} ({'ok' if fds_ok else 'GREW'})")
    failed |= not (rss_ok and fds_ok)
sys.exit(1 if failed else 0)
PY
