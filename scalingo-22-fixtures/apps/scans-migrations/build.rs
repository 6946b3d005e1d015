use std::{env, fs, path::Path};

fn main() {
    let mut names: Vec<String> = fs::read_dir("migrations")
        .expect("migrations/")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let code = format!("pub const MIGRATIONS: &[&str] = &{names:?};\n");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    fs::write(out, code).expect("migrations.rs");
}
