/// The greeting both binaries print, so they depend on a local library.
pub fn greeting(who: &str) -> String {
    format!("hello from the {} of the workspace", who)
}
