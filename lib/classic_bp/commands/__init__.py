"""One module per bin/ command; each reads as the list of its steps.

Kept empty: bin/detect imports commands.detect on every build of every app,
so importing this package must cost nothing.
"""
