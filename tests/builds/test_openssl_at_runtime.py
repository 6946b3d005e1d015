"""An app using openssl builds against the stack's libssl and runs with OpenSSL 3.

openssl-app is built cold through detect, compile and release in the
scalingo-24 stand-in (Ubuntu 24.04): openssl-sys finds the system OpenSSL
through pkg-config (libssl-dev, which the stacks carry), so the binary loads
the shared libcrypto.so.3 the stack has, not a copy of its own (only
libcrypto: the app asks only for the version), and reports the stack's
OpenSSL 3 when run there as the platform runs a process. One stack only:
scalingo-22's OpenSSL is 3 as well, and the diesel test builds there.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

STACK = "scalingo-24"


def test_an_openssl_app_links_the_stacks_libssl_and_reports_openssl_3(cold_builds) -> None:
    build = cold_builds.get("openssl-app", STACK)
    assert build.run.ok, build.run.log
    linked = build.linked_libraries("openssl-app")
    library = re.search(r"\tlibcrypto\.so\.3 => (/(usr/)?lib/\S+/libcrypto\.so\.3) ", linked)
    assert library, linked

    # The stack's package that holds that library (libssl3 on jammy, libssl3t64
    # on noble) says which OpenSSL it is.
    owner = 'dpkg-query -W -f \'${Version}\' "$(dpkg-query -S "$(realpath "$1")" | cut -d: -f1)"'
    package = build.runner.run(["sh", "-c", owner, "sh", library[1]], timeout=60)
    assert package.returncode == 0, package.stderr
    stack_version = package.stdout.split("-")[0]
    assert stack_version.startswith("3."), package.stdout
    answer = build.runner.run_app(build.app, "openssl-app", timeout=60)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.startswith(f"OpenSSL {stack_version} "), answer.stdout
