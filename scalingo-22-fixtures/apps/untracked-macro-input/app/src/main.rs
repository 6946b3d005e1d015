fn main() {
    println!("message: {}", reads_a_file::message!());
}
