mod generated;

fn main() {
    println!("{}", generated::GREETING);
}
