"""Compiling the app with cargo, and keeping cargo's work between builds.

The project model (Cargo.toml, workspaces), cargo's home and target dir in the
cache, the source mtimes that let cargo trust its fingerprints, pruning of
stale artifacts, and sccache, the compile cache shared across builders.
"""
