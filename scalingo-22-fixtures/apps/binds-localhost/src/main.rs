use std::env;
use std::io::Write;
use std::net::TcpListener;

fn main() {
    let port: u16 = env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8000);
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("cannot bind");
    println!("listening on 127.0.0.1:{port}");
    for mut stream in listener.incoming().flatten() {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
    }
}
