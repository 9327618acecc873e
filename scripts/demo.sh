#!/usr/bin/env bash
# The main job end to end: install what is missing, build, generate an NR OFDM test carrier
# (100 MHz, 30 kHz SCS, 273 RB, 256QAM), write it as SigMF, read it back and report, then
# measure its EVM after demodulation; generate SS/PBCH bursts and find the cell and its MIB
# in them; run the SDR path through the SoapySDR loopback module (live search, capture with
# an injected overflow); time the core kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_rust
need_deb "${DEB_PACKAGES[@]}"
cargo build --release --quiet
cargo build --release --quiet -p nrkit-sdr-loopback
T=$(target_dir)
B=$T/release/nrkit
# The loopback SoapySDR module (test support, built above) for the SDR part of the demo.
LOOPBACK=$(ls -t "$T"/release/build/nrkit-sdr-loopback-*/out/soapy-modules/libnrkitLoopback.so | head -1)
export SOAPY_SDR_PLUGIN_PATH=$(dirname "$LOOPBACK")
OUT=${OUT:-out}
mkdir -p "$OUT"
echo "== generate: 100 MHz / 30 kHz carrier, 2 slots, 256QAM, f0 = 3.5 GHz, ci16 SigMF"
$B generate ofdm --scs 30 --nrb 273 --slots 2 --modulation 256qam --center-freq 3.5e9 \
  --datatype ci16_le --gain-db 20 --force -o "$OUT/demo.sigmf-meta"
echo; echo "== info"
$B info "$OUT/demo.sigmf-meta"
echo; echo "== demodulate and measure EVM against the reference grid"
$B evm "$OUT/demo.sigmf-meta"
echo; echo "== SS/PBCH: PCI 321, Case C, L_max 8, SSB 1.2 MHz above a 3.5 GHz carrier, 4 frames at 15.36 Msps"
$B generate ssb --pci 321 --case C --lmax 8 --sfn 1022 --frames 4 --sample-rate 15.36e6 \
  --center-freq 3.5e9 --ssb-freq 3.5012e9 --kssb 6 --pdcch-config-sib1 164 --force -o "$OUT/ssb.sigmf-meta"
echo; echo "== cell search on it (with annotations written to $OUT/ssb_found.sigmf-meta)"
$B search "$OUT/ssb.sigmf-meta" --ssb-freq 3.5012e9 --scs-ssb 30 --annotate "$OUT/ssb_found.sigmf-meta" --force
echo; echo "== cell search on a recording built with py3gpp (3 dB SNR per RE)"
$B search tests/data/py3gpp_ssb.sigmf-meta --scs-ssb 30
echo; echo "== SDR (SoapySDR loopback module): devices"
$B devices --filter driver=loopback
echo; echo "== live cell search on the loopback, which receives $OUT/ssb.sigmf-data in a loop"
$B search --device "driver=loopback,serial=demo1,rx_file=$OUT/ssb.sigmf-data" --freq 3.5e9 \
  --rate 15.36e6 --ssb-freq 3.5012e9 --scs-ssb 30 --duration 0.04
echo; echo "== capture 50 ms from it with an injected overflow (1000 samples lost), then search the capture"
$B capture --device "driver=loopback,serial=demo2,rx_file=$OUT/ssb.sigmf-data,overflow_every=400000,overflow_drop=1000" \
  --freq 3.5e9 --rate 15.36e6 --gain 20 --duration 0.05 --force -o "$OUT/capture.sigmf-meta"
$B search "$OUT/capture.sigmf-meta" --ssb-freq 3.5012e9 --scs-ssb 30
echo; echo "== sensitivity: MIB success vs SNR (a quick 10-recording version of docs/sensitivity.csv/png)"
$B sensitivity --snr-min -10 --snr-max 0 --snr-step 5 --trials 10 --noise-trials 10 --force --out-dir "$OUT"
echo; echo "== bench (FFT, OFDM slot, cell search known/blind 100 MHz, capture pipeline; every ISA of this CPU)"
$B bench fft ofdm_mod ofdm_demod search search_blind capture --time-ms 100
