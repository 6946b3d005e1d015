//! Prints the OpenSSL it runs with; with the `client` feature, also builds a
//! reqwest client on native-tls (which loads the same OpenSSL), sending nothing.
fn main() {
    println!("{}", openssl::version::version());
    #[cfg(feature = "client")]
    {
        let client = reqwest::Client::builder().use_native_tls().build().expect("a TLS client");
        drop(client);
        println!("reqwest client on native-tls: ready");
    }
}
