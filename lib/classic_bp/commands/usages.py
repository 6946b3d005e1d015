"""How each command is called, for its usage line.

bin/detect keeps its own line: it imports nothing, to stay instant.
"""

USAGES = {
    "compile": "Usage: bin/compile BUILD_DIR CACHE_DIR [ENV_DIR]",
    "test-compile": "Usage: bin/test-compile BUILD_DIR CACHE_DIR [ENV_DIR]",
    "release": "Usage: bin/release BUILD_DIR [CACHE_DIR]",
    "test": "Usage: bin/test BUILD_DIR ENV_DIR (BUILD_DIR must exist)",
}
