fn main() {
    println!("app 0.3.0 with bp-bump {}", bump::version());
}
