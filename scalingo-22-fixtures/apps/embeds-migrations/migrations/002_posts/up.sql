CREATE TABLE posts (id INT);
