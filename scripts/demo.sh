#!/usr/bin/env bash
# The main job end to end: install what is missing, build, generate an NR OFDM test carrier
# (100 MHz, 30 kHz SCS, 273 RB, 256QAM), write it as SigMF, read it back and report, then
# measure its EVM after demodulation and time the core kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_rust
need_deb "${DEB_PACKAGES[@]}"
cargo build --release --quiet
B=target/release/nrkit
OUT=${OUT:-out}
mkdir -p "$OUT"
echo "== generate: 100 MHz / 30 kHz carrier, 2 slots, 256QAM, f0 = 3.5 GHz, ci16 SigMF"
$B generate ofdm --scs 30 --nrb 273 --slots 2 --modulation 256qam --center-freq 3.5e9 \
  --datatype ci16_le --gain-db 20 -o "$OUT/demo.sigmf-meta"
echo; echo "== info"
$B info "$OUT/demo.sigmf-meta"
echo; echo "== demodulate and measure EVM against the reference grid"
$B evm "$OUT/demo.sigmf-meta"
echo; echo "== bench (FFT and OFDM slot, every ISA of this CPU)"
$B bench fft ofdm_mod ofdm_demod --time-ms 100
