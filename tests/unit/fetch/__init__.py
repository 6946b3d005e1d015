"""classic_bp.fetch alone: downloads against a real server on 127.0.0.1 that misbehaves."""
