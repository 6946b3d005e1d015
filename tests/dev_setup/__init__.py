"""The README's two commands, `make run` and `make test`: they set a machine up
themselves, on a fresh Debian or Ubuntu, and a missing prerequisite is one sentence
naming the fix."""
