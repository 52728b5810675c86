#!/usr/bin/env bash
# scripts/test-shards.sh against a fake GoogleTest binary: a run where every
# shard passes succeeds and counts every test (under `set -euo pipefail`, as
# scripts/test runs it); a failed test and a shard that dies both fail the run
# and are counted.
#   tests/scripts/test_shards_test.sh SOURCE_DIR WORK_DIR
set -uo pipefail
source_dir=$1 work=$2
rm -rf "$work" && mkdir -p "$work"

# The fake binary: 3 tests per shard; FAKE_FAIL_SHARD fails one test of that
# shard, FAKE_DIE_SHARD ends that shard before its summary.
cat >"$work/fake_tests" <<'FAKE'
#!/bin/sh
echo "[==========] Running 3 tests from 1 test suite."
echo "[ RUN      ] Fake.one"
if [ "$GTEST_SHARD_INDEX" = "${FAKE_DIE_SHARD:-}" ]; then echo "AddressSanitizer: boom"; exit 1; fi
echo "[       OK ] Fake.one (0 ms)"
echo "[ RUN      ] Fake.two"
if [ "$GTEST_SHARD_INDEX" = "${FAKE_FAIL_SHARD:-}" ]; then
  echo "fake.cpp:7: Failure"
  echo "[  FAILED  ] Fake.two (0 ms)"
  echo "[==========] 3 tests from 1 test suite ran. (1 ms total)"
  echo "[  PASSED  ] 2 tests."
  echo "[  FAILED  ] 1 test, listed below:"
  echo "[  FAILED  ] Fake.two"
  exit 1
fi
echo "[       OK ] Fake.two (0 ms)"
echo "[==========] 3 tests from 1 test suite ran. (1 ms total)"
echo "[  PASSED  ] 3 tests."
FAKE
chmod +x "$work/fake_tests"

# run CASE EXPECTED_STATUS EXPECTED_TOTALS [VAR=VALUE...]
problems=0
run() {
  local name=$1 want_status=$2 want_totals=$3; shift 3
  local out status
  out=$(env "$@" bash -c '
    set -euo pipefail
    source "$1/scripts/test-shards.sh"
    jobs=2 passed=0 failed_count=0
    trap '\''echo "totals: $passed passed, $failed_count failed"'\'' EXIT
    run_shards "$2" fake_tests' _ "$source_dir" "$work" 2>&1)
  status=$?
  local totals
  totals=$(grep '^totals:' <<<"$out" || true)
  local succeeded=no wanted=no
  [[ $status == 0 ]] && succeeded=yes
  [[ $want_status == 0 ]] && wanted=yes
  if [[ $succeeded != "$wanted" || $totals != "totals: $want_totals" ]]; then
    echo "$name: exit $status, $totals; expected success=$wanted, totals: $want_totals"
    echo "$out"
    problems=$((problems + 1))
  fi
}

run "all pass" 0 "24 passed, 0 failed"
run "one test fails" 1 "23 passed, 1 failed" FAKE_FAIL_SHARD=3
run "a shard dies" 1 "21 passed, 1 failed" FAKE_DIE_SHARD=5
exit $((problems > 0))
