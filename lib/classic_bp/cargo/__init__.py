"""Compiling the app with cargo, and keeping cargo's work between builds.

cargo's home and target dir in the cache, the source mtimes that let cargo
trust its fingerprints, pruning of stale artifacts, the build tools that
`cargo install` brings (BP_CARGO_INSTALL_TOOLS), private dependencies, and
sccache, the compile cache shared across builders.

May import: rust, config, layer, toml_compat, fetch, platform and the bottom modules.
Never slug/: slug work around the compile (emk's links, the SBOM's metadata)
is handed in by commands/compile.py.
"""
