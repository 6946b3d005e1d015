include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

fn main() {
    println!("migrations: {}", MIGRATIONS.join(","));
}
