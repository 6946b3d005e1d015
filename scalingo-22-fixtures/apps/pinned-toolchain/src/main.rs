fn main() {
    println!("built with a pinned toolchain");
}
