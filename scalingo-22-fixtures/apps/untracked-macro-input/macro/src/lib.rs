//! `message!()` expands to the text of `data/message.txt` in the crate that calls it.
use proc_macro::TokenStream;

#[proc_macro]
pub fn message(_input: TokenStream) -> TokenStream {
    let folder = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let path = std::path::Path::new(&folder).join("data").join("message.txt");
    let text = std::fs::read_to_string(&path).expect("data/message.txt");
    format!("{:?}", text.trim()).parse().expect("a string literal")
}
