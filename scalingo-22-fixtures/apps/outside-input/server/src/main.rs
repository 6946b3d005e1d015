include!(concat!(env!("OUT_DIR"), "/schema.rs"));

const BANNER: &str = include_str!("../../assets/banner.txt");

fn main() {
    println!("schema: {SCHEMA}");
    println!("banner: {}", BANNER.trim());
}
