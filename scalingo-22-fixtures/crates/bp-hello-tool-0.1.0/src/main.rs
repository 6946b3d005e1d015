fn main() {
    let greeting = if cfg!(feature = "shout") { "HELLO FROM BP-HELLO-TOOL" } else { "hello from bp-hello-tool" };
    println!("{} {}", greeting, env!("CARGO_PKG_VERSION"));
}
