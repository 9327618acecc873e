//! Compiles cpp/loopback.cpp into a SoapySDR module (`-fPIC -shared`, g++) in
//! `$OUT_DIR/soapy-modules/`, against Debian's libsoapysdr-dev found with pkg-config.
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let src = PathBuf::from("cpp/loopback.cpp");
    println!("cargo:rerun-if-changed={}", src.display());
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dir = out.join("soapy-modules");
    std::fs::create_dir_all(&dir).expect("create module dir");
    let lib = dir.join("libnrkitLoopback.so");

    let pc = Command::new("pkg-config")
        .args(["--cflags", "--libs", "SoapySDR"])
        .output();
    let flags = match pc {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => panic!(
            "pkg-config cannot find SoapySDR ({}): install libsoapysdr-dev \
             (`apt-get install --no-install-recommends libsoapysdr-dev pkg-config g++`; \
             ./scripts/test.sh does this)",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!(
            "pkg-config not runnable ({e}): install pkg-config and libsoapysdr-dev \
             (./scripts/test.sh does this)"
        ),
    };
    let compiler = cc::Build::new().cpp(true).get_compiler();
    let mut cmd = compiler.to_command();
    cmd.args([
        "-std=c++17",
        "-O2",
        "-Wall",
        "-Wextra",
        "-fPIC",
        "-shared",
        "-o",
    ])
    .arg(&lib)
    .arg(&src)
    .args(flags.split_whitespace());
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run the C++ compiler {:?}: {e}", compiler.path()));
    assert!(status.success(), "compiling {} failed", src.display());
    println!("cargo:rustc-env=NRKIT_LOOPBACK_MODULE={}", lib.display());
    println!("cargo:rustc-env=NRKIT_LOOPBACK_DIR={}", dir.display());
}
