"""classic_bp.cargo alone: its caches, the fixed compile path, private access, sccache."""
