"""The pieces behind private dependencies, without a build: where secrets go,
what the log masks, and how cargo's failures are read back."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest

from classic_bp import errors
from classic_bp.cargo.private_access import cargo_variables, private_dir, scrub_cargo_home
from classic_bp.cargo.private_failures import diagnose
from classic_bp.config.credentials import read_private_access
from classic_bp.errors import Reason
from classic_bp.platform.env_dir import AppEnv, Settings
from classic_bp.platform.redact import Redactor
from classic_bp.slug.dependency_graph import Crate
from classic_bp.slug.sbom import package_url

KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----"
)


def settings(**variables: str) -> Settings:
    return Settings(AppEnv(variables, ()), {})


def access(**variables: str):
    return read_private_access(settings(**variables))


def test_secret_files_are_private_and_removed_on_failure() -> None:
    given = access(
        BP_GIT_CREDENTIALS="https://bob:tok-123456@git.example https://tok-abcdef@other.example/org",
        BP_GIT_SSH_KEY=KEY.replace("\n", "\\n"),  # pasted with escapes
        BP_GIT_SSH_KNOWN_HOSTS="git.example ssh-ed25519 AAAA",
    )
    with pytest.raises(RuntimeError), private_dir() as directory:
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        environment = cargo_variables(given, directory, {"GIT_CONFIG_COUNT": "1", "PATH": "/bin"})
        for path in directory.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        store = (directory / "git-credentials").read_text()
        assert (
            store == "https://bob:tok-123456@git.example\nhttps://tok-abcdef:@other.example/org\n"
        )
        assert (directory / "ssh-key").read_text() == KEY + "\n"
        raise RuntimeError
    assert not directory.exists()
    assert environment["GIT_CONFIG_COUNT"] == "4"  # after the user's own entry
    assert environment["GIT_CONFIG_KEY_1"] == "credential.helper"
    assert environment["GIT_CONFIG_VALUE_1"] == ""
    assert environment["GIT_CONFIG_VALUE_2"] == f"store --file={directory}/git-credentials"
    assert environment["GIT_CONFIG_KEY_3"] == "credential.useHttpPath"
    assert environment["CARGO_NET_GIT_FETCH_WITH_CLI"] == "true"
    assert environment["GIT_TERMINAL_PROMPT"] == "0"
    assert "StrictHostKeyChecking=yes" in environment["GIT_SSH_COMMAND"]
    assert f"UserKnownHostsFile={directory}/known_hosts" in environment["GIT_SSH_COMMAND"]
    assert "IdentitiesOnly=yes" in environment["GIT_SSH_COMMAND"]
    assert not any(name.startswith("BP_GIT") for name in environment)
    assert environment["CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS"] == "cargo:token"


def test_sigterm_ends_the_build_through_finally() -> None:
    with pytest.raises(KeyboardInterrupt), private_dir() as directory:
        os.kill(os.getpid(), signal.SIGTERM)
    assert not directory.exists()
    assert signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None)


def test_host_key_checks_are_skipped_only_when_asked(tmp_path: Path) -> None:
    given = access(BP_GIT_SSH_KEY=KEY, BP_GIT_SSH_SKIP_HOST_KEY_CHECK="true")
    with private_dir() as directory:
        command = cargo_variables(given, directory, {})["GIT_SSH_COMMAND"]
    assert "StrictHostKeyChecking=no" in command
    chosen = cargo_variables(
        access(),
        Path("/nonexistent"),
        {"CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS": "cargo:libsecret"},
    )
    assert chosen["CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS"] == "cargo:libsecret"
    app = tmp_path / "app"
    (app / ".cargo").mkdir(parents=True)
    (app / ".cargo" / "config.toml").write_text(
        '[registry]\nglobal-credential-providers = ["cargo:libsecret"]\n'
    )
    from_app = cargo_variables(access(), tmp_path, {}, app)
    assert "CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS" not in from_app
    assert "GIT_SSH_COMMAND" not in chosen


@pytest.mark.parametrize(
    "value", ["git.example", "ssh://git@git.example/x", "https://git.example/org"]
)
def test_a_malformed_credential_names_the_entry_not_the_secret(value: str) -> None:
    with pytest.raises(errors.BuildError) as caught:
        access(BP_GIT_CREDENTIALS=value)
    assert "BP_GIT_CREDENTIALS" in str(caught.value)


def test_a_key_that_is_not_a_private_key_is_refused() -> None:
    with pytest.raises(errors.BuildError, match="BP_GIT_SSH_KEY does not hold a private key"):
        access(BP_GIT_SSH_KEY="ssh-ed25519 AAAA public")


def test_tokens_as_user_parts_and_key_lines_are_masked() -> None:
    app = AppEnv(
        {
            "PIP_INDEX_URL": "https://tok-7a8b9c0d@pypi.example/simple",
            "BP_GIT_CREDENTIALS": "https://bob:pass-123456@git.example",
            "BP_GIT_SSH_KEY": KEY,
        },
        (),
    )
    redact = Redactor()
    redact.add(app.secret_values())
    line = "tok-7a8b9c0d pass-123456 b3BlbnNzaC1rZXktdjEAAAAA"
    assert redact(line) == "[redacted] [redacted] [redacted]"
    assert redact("fatal: 'https://u:p4ss@h/x' ssh://git@h/y") == (
        "fatal: 'https://u:[redacted]@h/x' ssh://git@h/y"
    )


def test_the_sbom_keeps_no_userinfo() -> None:
    git = Crate("lib", "0.1.0", "git+https://x-access-token:tok@git.example/org/lib?rev=a#abc")
    registry = Crate("priv", "1.0.0", "sparse+https://bob:pw@registry.example/index/")
    assert package_url(git) == "pkg:cargo/lib@0.1.0?vcs_url=git%2Bhttps://git.example/org/lib%40abc"
    assert "bob" not in package_url(registry) and "pw@" not in package_url(registry)


def test_cargo_home_is_scrubbed(tmp_path: Path) -> None:
    db = tmp_path / "git" / "db" / "lib-123"
    db.mkdir(parents=True)
    (db / "FETCH_HEAD").write_text("abc\t\tbranch 'main' of https://bob:tok@git.example/lib\n")
    (tmp_path / "credentials.toml").write_text('[registry]\ntoken = "tok"\n')
    scrub_cargo_home(tmp_path)
    assert (db / "FETCH_HEAD").read_text() == "abc\t\tbranch 'main' of https://git.example/lib\n"
    assert not (tmp_path / "credentials.toml").exists()


@pytest.mark.parametrize(
    ("lines", "fragments"),
    [
        (
            [
                "Caused by:",
                "  failed to load source for dependency `privgit`",
                "  Unable to update https://git.example/org/privgit.git",
                "  fatal: repository 'https://git.example/org/privgit.git/' not found",
            ],
            ["`privgit`", "(host git.example)", "does not exist", "BP_GIT_CREDENTIALS"],
        ),
        (
            [
                "  failed to load source for dependency `privgit`",
                "  Unable to update ssh://git@git.example/org/privgit.git",
                "git@git.example: Permission denied (publickey).",
            ],
            ["`privgit`", "ssh://git.example/org/privgit.git", "BP_GIT_SSH_KEY"],
        ),
        (
            [
                "error: failed to get `privreg` as a dependency of package `app v0.1.0`",
                "  token rejected for `my-registry`, please run `cargo login`",
            ],
            ["`privreg`", "registry `my-registry`", "CARGO_REGISTRIES_MY_REGISTRY_TOKEN"],
        ),
    ],
)
def test_cargo_failures_are_recognised(lines: list[str], fragments: list[str]) -> None:
    failure = diagnose(lines, "cargo build", 101)
    assert failure is not None and failure.reason is Reason.PRIVATE_DEPENDENCY_FAILED
    for fragment in fragments:
        assert fragment in str(failure)


def test_other_failures_stay_cargos_own() -> None:
    assert diagnose(["error[E0425]: cannot find value `x`"], "cargo build", 101) is None
