//! Runs a tool installed with BP_CARGO_INSTALL_TOOLS, as code generators do.
use std::process::Command;

fn main() {
    let output = Command::new("bp-hello-tool").output();
    let text = match output {
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        Err(error) => format!("bp-hello-tool not found: {}", error),
    };
    println!("cargo:warning=tool says: {}", text);
    println!("cargo:rustc-env=TOOL_SAYS={}", text);
}
