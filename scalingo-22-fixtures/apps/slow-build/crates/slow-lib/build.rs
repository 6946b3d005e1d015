// Takes a while, so that a test can kill cargo in the middle of this crate.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    std::thread::sleep(std::time::Duration::from_millis(1500));
}
