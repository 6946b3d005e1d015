include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

const PAGE: &str = include_str!("../templates/page.html");

fn main() {
    println!("migrations: {}", MIGRATIONS.join(","));
    println!("page: {}", PAGE.trim());
}
