"""classic_bp.config alone: what is read from the app and its settings, up front."""
