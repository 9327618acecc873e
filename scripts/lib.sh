# Shared helpers for nrkit scripts (sourced).
set -euo pipefail

# need_deb PKG...: installs missing Debian packages with apt-get when root, else prints the
# exact command and fails.
need_deb() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "missing Debian packages; run: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    return 1
  fi
}

# need_rust: cargo with rustfmt and clippy.
need_rust() {
  command -v cargo >/dev/null || { echo "cargo not found: install the Rust toolchain (rustup)" >&2; return 1; }
  for c in rustfmt clippy; do
    if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
      if command -v rustup >/dev/null; then rustup component add "$c"; else
        echo "cargo $c missing: run 'rustup component add $c'" >&2; return 1; fi
    fi
  done
}

# Debian packages the build needs: SoapySDR (nrkit-sdr links it; the loopback test module
# is C++ built against it). --no-install-recommends keeps hardware modules out: they probe
# the network on every enumerate. (The charts' font is built into nrkit: fonts-dejavu-core
# is only the source scripts/make_plot_font.py subsets, not needed to build or run.)
DEB_PACKAGES=(ca-certificates libsoapysdr-dev soapysdr-tools pkg-config g++)

# target_dir: cargo's target directory ($CARGO_TARGET_DIR, a config file, or ./target).
target_dir() {
  cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}
