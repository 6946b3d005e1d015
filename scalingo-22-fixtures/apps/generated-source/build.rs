use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=greeting.txt");
    let greeting = fs::read_to_string("greeting.txt").expect("greeting.txt");
    let code = format!("pub const GREETING: &str = {:?};\n", greeting.trim());
    fs::write("src/generated.rs", code).expect("src/generated.rs");
}
