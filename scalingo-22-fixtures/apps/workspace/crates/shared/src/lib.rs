/// The greeting both binaries print, so they depend on a local library.
pub fn greeting(who: &str) -> String {
    format!("hello from the {} of the workspace", who)
}

#[cfg(test)]
mod tests {
    #[test]
    fn greeting_names_the_binary() {
        assert_eq!(super::greeting("web"), "hello from the web of the workspace");
    }
}
