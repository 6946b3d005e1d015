//! A careless build script: it echoes a config var into the build log.
fn main() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "unset".to_string());
    println!("cargo:warning=REDIS_URL seen by the build script: {}", url);
    println!("cargo:rerun-if-env-changed=REDIS_URL");
}
