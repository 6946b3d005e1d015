//! `diesel-app migrate` applies its embedded migrations to $DATABASE_URL (a
//! Procfile `release:` command); `diesel-app` serves the notes table on $PORT
//! (GET /notes, one `id body` line per note), with the standard library's
//! TCP listener: diesel is synchronous, and one connection serves every request.
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

mod schema;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!();

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Queryable)]
struct Note {
    id: i32,
    body: String,
}

fn notes(connection: &mut PgConnection) -> Result<String, Error> {
    let notes = schema::notes::table.order(schema::notes::id).load::<Note>(connection)?;
    Ok(notes.iter().map(|note| format!("{} {}\n", note.id, note.body)).collect())
}

fn handle(mut stream: TcpStream, connection: &mut PgConnection) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let (status, body) = match request_line.split_whitespace().nth(1) {
        Some("/notes") => match notes(connection) {
            Ok(body) => ("200 OK", body),
            Err(error) => ("500 Internal Server Error", format!("{error}\n")),
        },
        _ => ("404 Not Found", "not found\n".to_string()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn main() -> Result<(), Error> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let mut connection = PgConnection::establish(&url)?;
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        connection.run_pending_migrations(MIGRATIONS)?;
        println!("migrations applied");
        return Ok(());
    }
    let port: u16 = std::env::var("PORT")?.parse()?;
    let listener = TcpListener::bind(("0.0.0.0", port))?;
    println!("diesel-app listening on port {port}");
    for stream in listener.incoming().flatten() {
        if let Err(error) = handle(stream, &mut connection) {
            eprintln!("request failed: {error}");
        }
    }
    Ok(())
}
