#!/usr/bin/env bash
# Runs every libFuzzer target of a build (fuzz_* in BUILD_DIR) for SECONDS each on its seed corpus
# (tests/fuzz/corpus/<name>/, never written to: new inputs go to a scratch copy), two at a time,
# and prints executions and coverage per target. A crash, leak, timeout or sanitiser report
# fails the run and leaves the input under $FUZZ_ARTIFACTS (default: a temporary directory).
# Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]}
secs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
artifacts=${FUZZ_ARTIFACTS:-$scratch/artifacts}
mkdir -p "$artifacts"
jobs=${FUZZ_JOBS:-2}

run_one() {
    local bin=$1 name
    name=$(basename "$bin")
    name=${name#fuzz_}
    mkdir -p "$scratch/corpus/$name"
    local seeds=("$here/corpus/$name")
    # Image headers also start from the real photos the vision tests use.
    if [ "$name" = image_header ]; then seeds+=("$here/../fixtures/objects"); fi
    local log=$scratch/$name.log
    if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
        "$scratch/corpus/$name" "${seeds[@]}" >"$log" 2>&1; then
        local execs cov
        execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
        printf 'fuzz: %-22s ok   %10s execs  %6s edges\n' "$name" "$execs" "$cov"
    else
        printf 'fuzz: %-22s FAILED (log follows; input in %s)\n' "$name" "$artifacts"
        tail -60 "$log"
        return 1
    fi
}
export -f run_one
export scratch here secs artifacts

bins=$(find "$build" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
if [ -z "$bins" ]; then
    echo "fuzz: no fuzz_* targets in $build (configure with -DFOGBANK_FUZZ=ON)" >&2
    exit 1
fi
echo "$bins" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}
