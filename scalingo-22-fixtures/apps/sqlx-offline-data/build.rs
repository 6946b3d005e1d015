//! Records what cargo gives build scripts of the database settings: sqlx's
//! query macros run inside rustc, with the same environment.
use std::{env, fs, path::Path};

fn main() {
    let mut code = String::new();
    for name in ["SQLX_OFFLINE", "DATABASE_URL"] {
        println!("cargo:rerun-if-env-changed={name}");
        let seen = env::var(name).unwrap_or_else(|_| "unset".to_string());
        code += &format!("pub const BUILD_SCRIPT_{name}: &str = {seen:?};\n");
    }
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    fs::write(Path::new(&out).join("seen.rs"), code).expect("OUT_DIR is writable");
}
