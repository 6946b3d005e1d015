fn main() { println!("{}", env!("TOOL_SAYS")); }
