"""Modules of lib/ alone: no bin/ command, no app built, no Rust needed.

One folder per subpackage of classic_bp (cargo/, config/, fetch/, platform/,
rust/, slug/); the package's bottom modules (cache, layer, errors,
toml_subset), the import rule between its folders, and lib/'s boot modules
are here at the top.
"""
