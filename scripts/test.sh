#!/usr/bin/env bash
# The whole test suite: formatting, lints, layering and unsafe checks, docs, every test and
# the benches' build. Used by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_rust
need_deb "${DEB_PACKAGES[@]}"

step() { echo; echo "== $*"; }
step "cargo fmt --check";            cargo fmt --all -- --check
step "clippy (-D warnings; also checks rust-version via incompatible_msrv)"; cargo clippy --workspace --all-targets -- -D warnings
step "without SoapySDR (--no-default-features: the cluster build)"
cargo clippy -p nrkit --no-default-features -- -D warnings
if cargo tree -p nrkit --no-default-features -e normal | grep -q soapysdr; then
    echo "test.sh: the build without the sdr feature still depends on soapysdr" >&2; exit 1
fi
step "layering and unsafe policy";   ./scripts/check_layers.sh
step "cargo doc (no warnings)";      RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
step "tests";                        cargo test --workspace
step "benches build";                cargo bench --workspace --no-run
echo; echo "test.sh: all checks passed"
