//! Looks libsodium up as the `pkg-config` crate does (the crates.io stand-in
//! does not serve that crate): runs the real pkg-config program and, when it
//! fails, panics with the crate's own message (pkg-config-rs, src/lib.rs,
//! Error::ProbeFailure). PKG_CONFIG_LIBDIR is an empty folder, so that
//! libsodium.pc is missing on any builder, as on a stack without libsodium-dev.
use std::{env, fs, process::Command};

fn main() {
    let name = "libsodium";
    let empty = format!("{}/no-pc-files", env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::create_dir_all(&empty).expect("OUT_DIR is writable");
    let output = Command::new("pkg-config")
        .args(["--libs", "--cflags", name])
        .env("PKG_CONFIG_LIBDIR", &empty)
        .output()
        .expect("pkg-config runs");
    if output.status.success() {
        for flag in String::from_utf8_lossy(&output.stdout).split_whitespace() {
            if let Some(lib) = flag.strip_prefix("-l") {
                println!("cargo:rustc-link-lib={lib}");
            }
        }
        return;
    }
    let crate_name = env::var("CARGO_PKG_NAME").expect("cargo sets CARGO_PKG_NAME");
    let code = output.status.code().unwrap_or(-1);
    let mut message = format!(
        "\npkg-config exited with status code {code}\n\
         > PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 pkg-config --libs --cflags {name}\n\n"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.is_empty() {
        message += "pkg-config output:\n";
        for line in stderr.lines() {
            message += &format!("  {line}\n");
        }
        message += "\n";
    }
    message += &format!(
        "The system library `{name}` required by crate `{crate_name}` was not found.\n\
         The file `{name}.pc` needs to be installed and the PKG_CONFIG_PATH environment \
         variable must contain its parent directory.\n\
         The PKG_CONFIG_PATH environment variable is not set.\n\n\
         HINT: if you have installed the library, try setting PKG_CONFIG_PATH to the \
         directory containing `{name}.pc`.\n"
    );
    panic!("{message}");
}
