fn main() {
    println!("never linked");
}
