"""Getting files from the network: verified downloads and the pinned wheels.

Standard library only (one urllib transport, transport.py): the first
download of a cold build starts before the buildpack's own third-party
packages are importable, and bootstrap.py fetches those.

May import: platform and the bottom modules (errors, cache, known_runs, app_files,
toml_subset, records, digests, lazy_re).
"""
