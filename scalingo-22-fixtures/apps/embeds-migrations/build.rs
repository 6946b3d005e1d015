use std::{env, fs, path::Path};

fn collect(dir: &Path, found: &mut Vec<String>) {
    for entry in fs::read_dir(dir).expect("migrations/") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(&path, found);
        } else {
            let text = fs::read_to_string(&path).expect("a migration");
            found.push(format!("{}={}", path.display(), text.trim()));
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let mut found = Vec::new();
    collect(Path::new("migrations"), &mut found);
    found.sort();
    let code = format!("pub const MIGRATIONS: &[&str] = &{found:?};\n");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    fs::write(out, code).expect("migrations.rs");
}
