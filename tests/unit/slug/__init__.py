"""classic_bp.slug alone: what stays in the slug, and the SBOM written beside it."""
