#!/usr/bin/env bash
# The whole test suite: set up, build, fetch the models, GoogleTest units (ctest), then the
# integration tests and the reference pipelines, which start the real fogbank binary and drive
# it with the AWS CLI, boto3 and the AWS SDK for JavaScript v3.
# Under the asan preset (clang, ASan+UBSan) the libFuzzer targets run too, FUZZ_SECONDS each
# (default 15), and the kill -9 soak (tests/integration/test_crash_safety.py) runs 8 cycles
# instead of the release pass's 20 (FOGBANK_SOAK_CYCLES overrides both).
# The integration tests run in FOGBANK_TEST_WORKERS pytest-xdist processes (default 4: most of a
# test's time is spent waiting on a client process or the server, so 4 fit on 2 cores), each with
# its own fogbank; 1 runs them in one process.
# Usage: tests/run.sh [--preset release|asan]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=release
if [ "${1:-}" = "--preset" ]; then preset=$2; fi

bash tests/setup.sh
cmake --preset "$preset" -DFOGBANK_TESTS=ON >/dev/null
start=$SECONDS
cmake --build --preset "$preset"
echo "run: build ($preset) took $((SECONDS - start)) s"
# Rekognition's models: fetched from the npm registry and converted once; a no-op when present.
"build/$preset/fogbank" models fetch
ctest --preset "$preset"
if [ "$preset" = asan ]; then
  start=$SECONDS
  bash tests/fuzz/run.sh "build/$preset" "${FUZZ_SECONDS:-15}"
  echo "run: fuzzing took $((SECONDS - start)) s"
fi

export FOGBANK_BIN="$PWD/build/$preset/fogbank"
if [ "$preset" = asan ]; then
  # Leaks fail the run: the server fixture checks the exit status after SIGTERM.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export FOGBANK_SOAK_CYCLES=${FOGBANK_SOAK_CYCLES:-8}
fi
start=$SECONDS
workers=${FOGBANK_TEST_WORKERS:-4}
/usr/bin/python3 -m pytest -q -p no:cacheprovider -n "$workers" tests/integration
echo "run: integration tests ($preset) took $((SECONDS - start)) s"
# The reference pipelines (../shared/PIPELINES.md) end to end; a separate run, since their
# conftest re-exports the integration fixtures under the same module name.
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/pipelines
