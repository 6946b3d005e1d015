"""The platform contract: what the buildpack reads from and gives back to it.

The env dir and process environment in, the build log, the build report and
the release YAML out, running the tools, and how every command ends (exit
codes), and what the stacks carry (system_libraries.py). Nothing here knows
about Rust; every other folder may use it.

May import: errors, cache, records and lazy_re only.
"""
