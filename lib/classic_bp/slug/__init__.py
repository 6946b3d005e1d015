"""What the app ships with: the slug after the compile.

Cleaning the sources out, the default process types and the Procfile checks,
the runtime files (.profile.d, the export file for later buildpacks), the
old buildpack's target/ links and the CycloneDX SBOM.

May import: rust, config, layer, toml_compat, fetch, platform and the bottom modules.
Never cargo/: what it needs of a compile is handed in by commands/compile.py.
"""
