"""An app using openssl builds against the stack's libssl and runs with OpenSSL 3.

openssl-sys finds the system OpenSSL through pkg-config (libssl-dev, which the
stacks carry), so the binary links the shared libssl.so.3 the run image has,
not a copy of its own (its libcrypto.so.3: the app asks only for the version).
"""

from __future__ import annotations

import subprocess

import pytest

from platform_runner import Platform
from tests.assertions import assert_succeeded

pytestmark = pytest.mark.slow


def test_an_openssl_app_links_the_stacks_libssl_and_reports_openssl_3(
    online_platform: Platform,
) -> None:
    build_dir, result = online_platform.build("openssl-app")
    assert_succeeded(result)
    binary = build_dir / "bin" / "openssl-app"
    answer = subprocess.run([binary], capture_output=True, text=True, check=True).stdout
    assert answer.startswith("OpenSSL 3."), answer
    linked = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    # The system's OpenSSL 3, shared (the linker keeps only the library used:
    # version() is libcrypto's), not a vendored static copy.
    assert "libcrypto.so.3 => /lib/x86_64-linux-gnu/" in linked or (
        "libcrypto.so.3 => /usr/lib/x86_64-linux-gnu/" in linked
    ), linked
