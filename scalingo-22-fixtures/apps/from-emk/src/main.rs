//! Reads its settings from files in the app directory at run time, as apps
//! built by the old Heroku Rust buildpack do (the whole tree was in the slug).
use std::env;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

fn greeting() -> String {
    let text = fs::read_to_string("Rocket.toml").expect("Rocket.toml in the app directory");
    let line = text.lines().find(|line| line.starts_with("greeting")).expect("greeting");
    line.split('=').nth(1).unwrap_or("").trim().trim_matches('"').to_string()
}

fn main() {
    let greeting = greeting();
    let settings = fs::read_to_string("config/settings.json").expect("config/settings.json");
    let port: u16 = env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(5000);
    let listener = TcpListener::bind(("0.0.0.0", port)).expect("cannot bind $PORT");
    for mut stream in listener.incoming().flatten() {
        let mut request = String::new();
        let _ = BufReader::new(&stream).read_line(&mut request);
        let body = format!("{greeting}; settings {}\n", settings.trim());
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    }
}
