//! `sqlx-app migrate` applies its embedded migrations to $DATABASE_URL (a
//! Procfile `release:` command); `sqlx-app` serves the notes table on $PORT
//! (GET /notes, one `id body` line per note), on tokio's TCP listener.
use sqlx::postgres::{PgPool, PgPoolOptions};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(sqlx::FromRow)]
struct Note {
    id: i32,
    body: String,
}

async fn notes(pool: &PgPool) -> Result<String, sqlx::Error> {
    let notes: Vec<Note> = sqlx::query_as("SELECT id, body FROM notes ORDER BY id")
        .fetch_all(pool)
        .await?;
    Ok(notes.iter().map(|note| format!("{} {}\n", note.id, note.body)).collect())
}

async fn handle(stream: TcpStream, pool: PgPool) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).await?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).await? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let (status, body) = match request_line.split_whitespace().nth(1) {
        Some("/notes") => match notes(&pool).await {
            Ok(body) => ("200 OK", body),
            Err(error) => ("500 Internal Server Error", format!("{error}\n")),
        },
        _ => ("404 Not Found", "not found\n".to_string()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    reader.into_inner().write_all(response.as_bytes()).await
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let pool = PgPoolOptions::new().max_connections(2).connect(&url).await?;
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        sqlx::migrate!().run(&pool).await?;
        println!("migrations applied");
        return Ok(());
    }
    let port: u16 = std::env::var("PORT")?.parse()?;
    let listener = TcpListener::bind(("0.0.0.0", port)).await?;
    println!("sqlx-app listening on port {port}");
    loop {
        let (stream, _) = listener.accept().await?;
        let pool = pool.clone();
        tokio::spawn(async move {
            if let Err(error) = handle(stream, pool).await {
                eprintln!("request failed: {error}");
            }
        });
    }
}
