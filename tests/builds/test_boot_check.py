"""BP_BOOT_CHECK: the web process is started once after compile and must listen
on every interface, or the build fails with the reason."""

from __future__ import annotations

import pytest

from platform_runner import Platform
from tests.assertions import assert_succeeded, assert_user_error

pytestmark = pytest.mark.slow


def test_an_app_bound_to_every_interface_passes(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(BP_BOOT_CHECK="true")
    _build_dir, result = mirrored_platform.build("web-std")
    assert_succeeded(result)
    assert "Running: /app/bin/web-std  (PORT set, .profile.d sourced)" in result.stdout
    assert "web-std listening on port" in result.stdout  # the process's own output
    assert "The web process listens on every interface after" in result.stdout


def test_an_app_bound_to_localhost_fails_clearly(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(BP_BOOT_CHECK="true", BP_BOOT_CHECK_TIMEOUT="20")
    _build_dir, result = mirrored_platform.build("binds-localhost")
    assert result.returncode == 1, result.log
    assert "listening on 127.0.0.1:" in result.stdout
    assert "Traceback" not in result.log
    message = result.stderr
    assert "started the web process, `/app/bin/binds-localhost`, and" in message
    assert "it listens on 127.0.0.1 only" in message
    assert "must listen on 0.0.0.0 (every interface)" in message


def test_a_bad_timeout_is_refused(platform: Platform) -> None:
    platform.set_config(BP_BOOT_CHECK="true", BP_BOOT_CHECK_TIMEOUT="soon")
    _build_dir, result = platform.build("web-std")
    assert_user_error(result, "BP_BOOT_CHECK_TIMEOUT='soon' is not a supported value")
