"""A classic buildpack for Rust apps (Scalingo, Heroku, Dokku).

Folders and top modules import one way, each only from those below it (each
folder's docstring says which; tests/unit/test_imports_point_down.py holds
them to it):

    commands/                   one module per bin/ command, orders the steps
    slug/    cargo/             the steps after Rust is in (neither imports the other)
    rust/                       the toolchain
    config/                     the app and its settings, read up front
    layer, toml_compat          cached layers; TOML with its 3.10 fallback
    fetch/                      the network
    platform/                   the platform contract: log, report, env dir
    errors, cache, known_runs,  the bottom
    app_files, toml_subset,
    records, digests, lazy_re
"""

__version__ = "0.1.0"
