"""A classic buildpack for Rust apps (Scalingo, Heroku, Dokku)."""

__version__ = "0.1.0"
