#!/usr/bin/env bash
# Coverage-guided fuzzing of the targets in fuzz/ with cargo-fuzz (libFuzzer + ASan):
#   ./scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 60 s, every target)
#   RUNS=10000000 ./scripts/fuzz.sh 3600 bch_decode         (stop at N executions or time)
# The corpus of each target is kept in fuzz/corpus/<target> (reused and grown by every
# run; not committed), crashes land in fuzz/artifacts/<target>. Prints one summary line
# per target with its executions. The machine's toolchain is stable, so RUSTC_BOOTSTRAP=1
# lets cargo-fuzz use the sanitizer flags it needs. Not part of CI: CI runs the targets'
# bodies briefly in tests/fuzz_smoke (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_rust
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
SECS=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(sigmf_meta sample_reader bch_decode polar_decode ldpc_decode cli_params)
export RUSTC_BOOTSTRAP=1
cd fuzz
cargo fuzz build -O
mkdir -p ../target/fuzz-logs
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t"
  log="../target/fuzz-logs/$t.log"
  extra=()
  [ -n "${RUNS:-}" ] && extra+=("-runs=$RUNS")
  rc=0
  cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$SECS" -rss_limit_mb=4096 "${extra[@]}" >"$log" 2>&1 || rc=$?
  done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -1 || true)
  echo "$t: ${done_line:-no summary (exit $rc), see fuzz/$log}; corpus $(ls "corpus/$t" | wc -l) inputs"
  [ $rc -eq 0 ] || { echo "$t: crash or error (exit $rc); artifacts in fuzz/artifacts/$t" >&2; exit 1; }
done
