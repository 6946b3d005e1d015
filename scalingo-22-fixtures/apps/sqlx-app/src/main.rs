//! Applies its embedded migrations to $DATABASE_URL, then prints the notes table.
//! `sqlx-app migrate` only migrates (a Procfile `release:` command).
use sqlx::postgres::PgPoolOptions;

#[derive(sqlx::FromRow)]
struct Note {
    id: i32,
    body: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let pool = PgPoolOptions::new().max_connections(2).connect(&url).await?;
    sqlx::migrate!().run(&pool).await?;
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        println!("migrations applied");
        return Ok(());
    }
    let notes: Vec<Note> = sqlx::query_as("SELECT id, body FROM notes ORDER BY id")
        .fetch_all(&pool)
        .await?;
    for note in notes {
        println!("{} {}", note.id, note.body);
    }
    Ok(())
}
