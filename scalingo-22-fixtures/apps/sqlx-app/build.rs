// As sqlx documents for `sqlx::migrate!()`: cargo reruns this (and so recompiles
// the crate) when a migration is added, changed or removed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
