#!/usr/bin/env bash
# run.sh: the test runner behind `make test`. Runs every Check suite in build/tests/unit, then
# the integration tests (pytest under /usr/bin/python3, real ZooKeeper and brokers), and
# prints a last line "N passed, M failed".
#   --unit-only   only the Check suites
#   --all         also the failover drills (tests/failover) and the docker-compose test
#                 (tests/compose)
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${1:-default}
passed=0
failed=0
failures=()

for t in build/tests/unit/check_*; do
  [ -x "$t" ] || continue
  out=$(CK_DEFAULT_TIMEOUT=120 "$t" 2>&1)
  rc=$?
  echo "$out" | grep -E '^[0-9]+%: Checks' | sed "s|^|$(basename "$t"): |"
  line=$(echo "$out" | grep -E '^[0-9]+%: Checks' | tail -1)
  checks=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
  fails=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
  errs=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
  if [ -z "$line" ]; then
    failed=$((failed + 1)); failures+=("$(basename "$t") (crashed, rc=$rc)")
    echo "$out" | tail -20
    continue
  fi
  bad=$((fails + errs))
  passed=$((passed + checks - bad))
  failed=$((failed + bad))
  if [ "$bad" -gt 0 ] || [ $rc -ne 0 ]; then
    failures+=("$(basename "$t")")
    echo "$out" | grep -vE '^(Running suite|[0-9]+%: Checks)' | head -40
    [ "$bad" -gt 0 ] || { failed=$((failed + 1)); }
  fi
done

run_pytest() {
  local dir=$1
  [ -n "$(ls "$dir"/test_*.py 2>/dev/null)" ] || return 0
  run_pytest_files "$dir"
}

run_pytest_files() {
  local dir=$1
  local log
  log=$(mktemp)
  # Two workers, one test file per worker at a time (module fixtures stay whole): most of a
  # test's time is waiting on ZooKeeper sessions and brokers, so two overlap well on 2 cores.
  local par=()
  if [ "$dir" = tests/integ ] && [ "${KAFKA_TEST_WORKERS:-2}" -gt 1 ] && /usr/bin/python3 -c 'import xdist' 2>/dev/null; then
    par=(-n "${KAFKA_TEST_WORKERS:-2}" --dist loadfile)
  fi
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "${par[@]}" "$dir" 2>&1 | tee "$log"
  local summary
  summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error|xfailed|skipped|deselected)' "$log" | tail -1)
  local p f e
  p=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
  f=$(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
  e=$(echo "$summary" | grep -oE '[0-9]+ error' | grep -oE '[0-9]+' || true)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
  if [ -z "$summary" ]; then failed=$((failed + 1)); failures+=("$dir (pytest did not report)"); fi
  [ "${f:-0}" -eq 0 ] && [ "${e:-0}" -eq 0 ] || failures+=("$dir")
  rm -f "$log"
}

if [ "$mode" != "--unit-only" ]; then
  run_pytest tests/integ
  # The malformed-input tests again, against the ASan/UBSan broker when it is built
  # (make test builds it): any sanitizer report fails the test that started that broker.
  if [ -x build-asan/bin/kafka-server ]; then
    echo "== malformed-input tests under ASan/UBSan"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      KAFKA_SERVER_BIN="$PWD/build-asan/bin/kafka-server" run_pytest_files tests/integ/test_malformed.py
  fi
  if [ "$mode" = "--all" ]; then run_pytest tests/failover; run_pytest tests/compose; fi
fi

if [ ${#failures[@]} -gt 0 ]; then
  echo "FAILED: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
