#!/usr/bin/env bash
# Builds and runs the FFTW comparison (not part of CI): prints FFTW's ns per forward
# transform for the NR sizes, then nrkit's for every ISA and plain rustfft, from one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
need_deb libfftw3-dev gcc
T=$(target_dir)
mkdir -p "$T/fftw"
gcc -O3 -march=native -o "$T/fftw/fftw_bench" scripts/fftw/fftw_bench.c -lfftw3f -lm
cargo build --release --quiet
"$T/fftw/fftw_bench" "${1:-300}"
"$T/release/nrkit" bench fft fft_rustfft --json --time-ms "${1:-300}" \
  | python3 -c 'import json,sys; [print(json.dumps({"kernel":r["kernel"],"isa":r["isa"],"params":r["params"],"ns_per_op":round(r["ns_per_op"],1)})) for r in json.load(sys.stdin)["results"]]'
