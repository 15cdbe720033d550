#!/usr/bin/env bash
# Runs each fuzz target for a fixed time (default 60 s each).
#   fuzz/run.sh [seconds]
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz wants a nightly
# toolchain; where only stable exists (as on our CI machines), the stable
# compiler is allowed nightly flags with RUSTC_BOOTSTRAP=1. CI runs the same
# properties as proptest tests instead (core/tests/properties.rs).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
for target in matcher edits loader; do
  echo "=== fuzzing $target for ${seconds}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" -- -max_total_time="$seconds" -max_len=4096 2>&1 | tail -4
done
