"""classic_bp.rust alone: Rust without rustup, from the standalone installer."""
