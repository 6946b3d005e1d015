fn main() {
    println!("{}", slow_lib::greeting());
}
