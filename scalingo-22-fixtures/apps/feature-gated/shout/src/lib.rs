/// The words in capitals.
pub fn shout(words: &str) -> String {
    words.to_uppercase()
}
