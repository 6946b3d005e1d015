"""Config vars that make bin/compile stop early, so a test checks one step in seconds."""

STOP = {"BP_RUST_TOOLCHAIN": "newest"}  # fails right after the configuration is read
# Fails at the first download (nothing listens there), after the cache is opened.
UNREACHABLE = {
    "RUSTUP_DIST_SERVER": "http://127.0.0.1:9",
    "RUSTUP_UPDATE_ROOT": "http://127.0.0.1:9/rustup",
}
