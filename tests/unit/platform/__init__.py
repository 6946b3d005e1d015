"""classic_bp.platform alone: how the buildpack's commands end, SIGTERM included."""
