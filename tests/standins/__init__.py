"""The stand-ins the other tests build against (scalingo-22-fixtures/tools): the rustup
mirror, the crates.io stand-in with Debian 12's crate sources, the stack image's root
filesystem, and what they share (the loopback HTTP server, the safe tar extraction).
They must behave as the real services do, or no build test means much."""
