//! Applies its embedded migrations to $DATABASE_URL, then prints the notes table.
//! `diesel-app migrate` only migrates (a Procfile `release:` command).
use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

mod schema;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!();

#[derive(Queryable)]
struct Note {
    id: i32,
    body: String,
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let mut connection = PgConnection::establish(&url)?;
    connection.run_pending_migrations(MIGRATIONS)?;
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        println!("migrations applied");
        return Ok(());
    }
    let notes = schema::notes::table.order(schema::notes::id).load::<Note>(&mut connection)?;
    for note in notes {
        println!("{} {}", note.id, note.body);
    }
    Ok(())
}
