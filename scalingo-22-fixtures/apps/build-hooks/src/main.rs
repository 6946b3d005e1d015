//! Prints the message bin/pre_compile wrote before cargo ran.

fn main() {
    print!("{}", include_str!("message.txt"));
}
