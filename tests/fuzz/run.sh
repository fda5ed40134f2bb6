#!/usr/bin/env bash
# run.sh SECONDS: run every harness in build-fuzz/fuzz/ for SECONDS over its seed corpus
# (tests/fuzz/corpus/request or response, read only) plus what earlier runs found
# (build-fuzz/corpus/<harness>). Exits non-zero at the first crash, leak, sanitizer report or
# slow input; the input that did it is left as build-fuzz/<kind>-<harness>-<sha1>.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
rc=0
for h in fuzz_request fuzz_response fuzz_sasl; do
  seeds=tests/fuzz/corpus/${h#fuzz_}
  found=build-fuzz/corpus/$h
  mkdir -p "$found"
  log=build-fuzz/$h.log
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "build-fuzz/fuzz/$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/" "$found" "$seeds" >"$log" 2>&1
  r=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
  if [ $r -ne 0 ]; then
    echo "$h: FAILED (exit $r); the log is $log"
    grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" | head -20
    rc=1
  else
    echo "$h: ${runs:-?} inputs in ${secs} s, ${cov:-cov: ?} edges, $(ls "$seeds" | wc -l) seeds, no crash"
  fi
done
exit $rc
