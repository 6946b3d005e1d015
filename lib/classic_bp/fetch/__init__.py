"""Getting files from the network: verified downloads and the pinned wheels.

Standard library only, because bootstrap.py runs before the buildpack's own
third-party packages (click, requests, rich) are importable.
"""
