pub fn greeting() -> &'static str {
    "hello from the slow build"
}
