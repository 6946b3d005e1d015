CREATE TABLE notes (
    id SERIAL PRIMARY KEY,
    body TEXT NOT NULL
);
INSERT INTO notes (body) VALUES ('migrated by embed_migrations!');
