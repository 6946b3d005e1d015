//! The part of Rocket's configuration this fixture needs: where to listen.
pub fn address() -> String {
    let host = std::env::var("ROCKET_ADDRESS").unwrap_or_else(|_| "127.0.0.1".to_string());
    let port = std::env::var("ROCKET_PORT").unwrap_or_else(|_| "8000".to_string());
    format!("{}:{}", host, port)
}
