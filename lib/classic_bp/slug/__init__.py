"""What the app ships with: the slug after the compile.

Cleaning the sources out, the default process types and the Procfile checks,
the runtime files (.profile.d, the export file for later buildpacks) and the
CycloneDX SBOM.
"""
