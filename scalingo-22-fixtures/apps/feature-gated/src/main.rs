//! Prints what its features make of a greeting, and the features themselves.

fn greeting() -> String {
    let mut words = String::from(if cfg!(feature = "greeting") { "hello" } else { "..." });
    if cfg!(feature = "polite") {
        words.push_str(", if you please");
    }
    #[cfg(feature = "loud")]
    let words = shout::shout(&words);
    words
}

fn features() -> Vec<&'static str> {
    let mut on = Vec::new();
    if cfg!(feature = "greeting") {
        on.push("greeting");
    }
    if cfg!(feature = "polite") {
        on.push("polite");
    }
    if cfg!(feature = "loud") {
        on.push("loud");
    }
    on
}

fn main() {
    println!("{}", greeting());
    println!("features: {}", features().join(","));
}

#[cfg(test)]
mod tests {
    #[test]
    fn greets() {
        assert!(!super::greeting().is_empty());
    }

    // Compiled, and so listed by the test runner, only with the feature on.
    #[cfg(feature = "loud")]
    #[test]
    fn loud_is_on() {
        assert_eq!(super::greeting(), "HELLO");
    }
}
