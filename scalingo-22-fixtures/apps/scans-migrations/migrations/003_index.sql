CREATE INDEX posts_id ON posts (id);
