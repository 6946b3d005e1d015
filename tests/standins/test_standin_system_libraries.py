"""The stack stand-ins carry the system libraries the stacks do.

scalingo-22 and scalingo-24 (and heroku-22/24's build images) have pkg-config,
libssl-dev and libpq-dev: crates that link OpenSSL or libpq (openssl-sys,
pq-sys, through pkg-config or pg_config) build there, and the tests that build
such apps in the stand-ins must meet the same libraries, from each stack's own
Ubuntu release (stack_rootfs.py), or they would prove nothing.
"""

from __future__ import annotations

import os
import shutil

import pytest

from stack_rootfs import STACK_SUITES, build_rootfs
from stack_runner import StackRunner

pytestmark = [
    pytest.mark.slow,  # builds the stand-ins when they are not cached yet
    pytest.mark.skipif(
        os.geteuid() != 0 or shutil.which("unshare") is None,
        reason="the stack stand-in needs root and unshare",
    ),
]

# The release pockets debootstrap installs from: jammy's libpq 14 and OpenSSL
# 3.0.2, noble's libpq 16 and OpenSSL 3.0.13.
LIBPQ_MAJOR = {"scalingo-22": "14", "scalingo-24": "16"}

LINK_CHECK = r"""
set -e
cat > /tmp/libs.c <<'C'
#include <stdio.h>
#include <libpq-fe.h>
#include <openssl/opensslv.h>
#include <openssl/crypto.h>
int main(void) {
    printf("libpq %d\n%s\n", PQlibVersion(), OpenSSL_version(OPENSSL_VERSION));
    return 0;
}
C
cc -o /tmp/libs /tmp/libs.c $(pkg-config --cflags --libs libpq openssl)
/tmp/libs
"""


@pytest.mark.parametrize("stack", sorted(LIBPQ_MAJOR))
def test_pkg_config_finds_libpq_and_openssl_and_a_program_links_both(stack: str) -> None:
    runner = StackRunner(build_rootfs(STACK_SUITES[stack]), stack=stack)
    versions = runner.run(
        ["pkg-config", "--modversion", "libpq", "openssl"], user="u1000", timeout=60
    )
    assert versions.returncode == 0, versions.stderr
    libpq, openssl = versions.stdout.split()
    assert libpq.split(".")[0] == LIBPQ_MAJOR[stack]
    assert openssl.startswith("3.")
    # pq-sys asks pg_config (libpq-dev ships it) before pkg-config.
    pg_config = runner.run(["pg_config", "--libdir"], user="u1000", timeout=60)
    assert pg_config.returncode == 0, pg_config.stderr
    assert pg_config.stdout.strip() == "/usr/lib/x86_64-linux-gnu"

    linked = runner.run(["sh", "-c", LINK_CHECK], user="u1000", timeout=120)
    assert linked.returncode == 0, linked.stderr
    libpq_line, openssl_line = linked.stdout.splitlines()
    assert libpq_line.startswith(f"libpq {LIBPQ_MAJOR[stack]}")
    assert openssl_line.startswith(f"OpenSSL {openssl}")
