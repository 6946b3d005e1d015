fn main() {
    println!("{}", shared::greeting("web"));
}
