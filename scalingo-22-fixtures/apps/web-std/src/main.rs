//! A web service using only the standard library: answers every request on $PORT.
use std::env;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

fn handle(mut stream: TcpStream) -> std::io::Result<()> {
    let mut request_line = String::new();
    let mut reader = BufReader::new(stream.try_clone()?);
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let body = format!("Hello from a Rust web-std app at {}\n", path);
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        body
    )
}

fn main() {
    let port = env::var("PORT").unwrap_or_else(|_| "5000".to_string());
    let listener = TcpListener::bind(("0.0.0.0", port.parse::<u16>().expect("PORT must be a number")))
        .expect("cannot bind $PORT");
    println!("web-std listening on port {}", port);
    for stream in listener.incoming().flatten() {
        if let Err(error) = handle(stream) {
            eprintln!("request failed: {}", error);
        }
    }
}
