# Runs a GoogleTest binary in shards and counts what they say; sourced by
# scripts/test (and by tests/scripts/test_shards_test.sh, which feeds it a fake
# binary). The caller sets `set -euo pipefail`, `jobs`, and the totals
# `passed` and `failed_count`, which this adds to.

# Prints what a shard's log says about its failed tests: each failed test's
# output from its [ RUN ] line, and the output of a test the shard did not
# finish (a sanitizer report ends the process).
failures() {
  awk '/^\[ RUN      \]/ { buffer = ""; running = 1 }
       running { buffer = buffer $0 "\n" }
       /^\[  FAILED  \]/ && running { printf "%s", buffer; running = 0 }
       /^\[       OK \]/ { running = 0 }
       END { if (running) printf "%s", buffer }' "$1"
}

# run_shards DIR BINARY: runs DIR/BINARY in jobs*4 shards, jobs at a time,
# each shard's output in DIR/shard-N.log; fails when a shard failed or did
# not finish.
run_shards() {
  local dir=$1 binary=$2 shards=$((jobs * 4)) failed=()
  echo "$binary: $shards shards, $jobs at a time, logs in $dir/shard-N.log"
  seq 0 $((shards - 1)) | xargs -P "$jobs" -I{} sh -c \
    'GTEST_TOTAL_SHARDS=$1 GTEST_SHARD_INDEX=$2 timeout 1200 "$3/$4" >"$3/shard-$2.log" 2>&1' \
    _ "$shards" {} "$dir" "$binary" || true
  for ((i = 0; i < shards; i++)); do
    local log="$dir/shard-$i.log"
    if ! grep -q '^\[  PASSED  \]' "$log" || grep -q '^\[  FAILED  \]' "$log"; then
      failed+=("$log")
      # A shard that did not finish (a sanitizer report ends it) lists nothing.
      grep -q 'listed below' "$log" || failed_count=$((failed_count + 1))
      echo "== failed in $log:"
      failures "$log"
    fi
  done
  # awk alone, never grep | awk: a grep that matches nothing (no shard
  # failed) ends the script under pipefail.
  awk '/^\[==========\] .* ran\./ { n += $2 } END { print n + 0 " tests of '"$binary"' ran" }' "$dir"/shard-*.log
  local shard_passed shard_failed
  shard_passed=$(awk '/^\[  PASSED  \] [0-9]+ tests?/ { n += $4 } END { print n + 0 }' "$dir"/shard-*.log)
  shard_failed=$(awk '/^\[  FAILED  \] [0-9]+ tests?, listed below/ { n += $4 } END { print n + 0 }' "$dir"/shard-*.log)
  passed=$((passed + shard_passed)) failed_count=$((failed_count + shard_failed))
  [[ ${#failed[@]} -eq 0 ]]
}
