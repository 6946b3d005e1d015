use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=../assets/schema.txt");
    let schema = fs::read_to_string("../assets/schema.txt").expect("schema.txt");
    let code = format!("pub const SCHEMA: &str = {:?};\n", schema.trim());
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("schema.rs");
    fs::write(out, code).expect("schema.rs");
}
