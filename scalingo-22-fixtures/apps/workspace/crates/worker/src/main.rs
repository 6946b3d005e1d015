fn main() {
    println!("{}", shared::greeting("worker"));
}
