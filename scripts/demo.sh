#!/usr/bin/env bash
# The main job end to end: install what is missing, build, generate an NR OFDM test carrier
# (100 MHz, 30 kHz SCS, 273 RB, 256QAM), write it as SigMF, read it back and report, then
# measure its EVM after demodulation; generate SS/PBCH bursts and find the cell and its MIB
# in them; time the core kernels.
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
echo; echo "== SS/PBCH: PCI 321, Case C, L_max 8, SSB 1.2 MHz above a 3.5 GHz carrier, 4 frames at 15.36 Msps"
$B generate ssb --pci 321 --case C --lmax 8 --sfn 1022 --frames 4 --sample-rate 15.36e6 \
  --center-freq 3.5e9 --ssb-freq 3.5012e9 --kssb 6 --pdcch-config-sib1 164 -o "$OUT/ssb.sigmf-meta"
echo; echo "== cell search on it (with annotations written to $OUT/ssb_found.sigmf-meta)"
$B search "$OUT/ssb.sigmf-meta" --ssb-freq 3.5012e9 --scs-ssb 30 --annotate "$OUT/ssb_found.sigmf-meta"
echo; echo "== cell search on a recording built with py3gpp (3 dB SNR per RE)"
$B search tests/data/py3gpp_ssb.sigmf-meta --scs-ssb 30
echo; echo "== bench (FFT, OFDM slot, cell search; every ISA of this CPU)"
$B bench fft ofdm_mod ofdm_demod search --time-ms 100
