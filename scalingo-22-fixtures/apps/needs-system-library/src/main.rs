fn main() {
    println!("libsodium found: {}", sodium_probe_sys::FOUND);
}
