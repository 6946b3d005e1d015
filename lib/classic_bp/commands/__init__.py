"""One module per bin/ command; each reads as the list of its steps.

Kept empty: bin/detect imports commands.detect on every build of every app,
so importing this package must cost nothing.

The top of the house: commands order the steps (slug/, cargo/, rust/) and
hand each what it needs; no other folder imports a command.

May import: any folder or module of the package.
"""
