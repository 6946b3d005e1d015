fn main() {
    println!("{}", vs::describe("vs", 1));
}
