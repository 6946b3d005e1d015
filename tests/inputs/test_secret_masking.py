"""What the build log masks, and what it leaves readable (platform/redact.py).

The values of config vars whose names say secret or that BP_MASKED_VARIABLES
lists, and the userinfo of any URL, in every form a tool prints them; short
and boolean values and ordinary settings stay readable (docs/reliability.md,
"Secrets").
"""

from __future__ import annotations

import pytest

from classic_bp.platform.env_dir import AppEnv
from classic_bp.platform.redact import Redactor
from platform_runner import Platform
from tests.assertions import assert_failed_cleanly
from tests.inputs.early_stops import UNREACHABLE


def _masked(variables: dict[str, str], text: str) -> str:
    redact = Redactor()
    redact.add(AppEnv(variables, ()).secret_values())
    return redact(text)


@pytest.mark.parametrize(
    ("variables", "text", "hidden", "shown"),
    [
        # Ordinary values stay readable, however long.
        ({"PROFILE": "release"}, "Finished `release` profile", [], ["`release`"]),
        ({"SERVICE_NAME": "web-std"}, "Compiling web-std v0.1.0", [], ["web-std v0.1.0"]),
        # Names that say secret.
        ({"GITHUB_TOKEN": "ghp_abcdef"}, "token=ghp_abcdef;", ["ghp_abcdef"], ["token="]),
        ({"DB_PASSWORD": "pa55word"}, "'pa55word'", ["pa55word"], []),
        ({"AWS_SECRET_ACCESS_KEY": "wJalrXUtnF"}, "k=wJalrXUtnF", ["wJalrXUtnF"], []),
        ({"STRIPE_APIKEY": "sk_live_1"}, "sk_live_1", ["sk_live_1"], []),
        ({"SENTRY_DSN": "https://abc@o1.ingest/1"}, "dsn https://abc@o1.ingest/1", ["abc"], []),
        # Short or boolean values are never masked: they would garble the log.
        ({"API_KEY_ENABLED": "true"}, "true", [], ["true"]),
        # Listed by the user.
        (
            {"BP_MASKED_VARIABLES": "SHOP_ID, OTHER", "SHOP_ID": "shop-4711"},
            "shop-4711",
            ["shop-4711"],
            [],
        ),
        # URL userinfo, in the value and anywhere in the log.
        (
            {"DATABASE_URL": "postgres://app:hunter2@db:5432/app"},
            "url=postgres://app:hunter2@db:5432/app pw=hunter2",
            ["hunter2", "app:"],
            ["url=", "pw="],
        ),
        ({}, "fetch https://x-token:t0k3n@github.com/o/r.git", ["t0k3n"], ["github.com/o/r"]),
        ({}, "clone https://ghp_TOKEN123@github.com/o/r", ["ghp_TOKEN123"], ["github.com"]),
        # Robustly: percent-encoded, JSON-escaped, one line of a multi-line key.
        ({"MY_SECRET": 'a b/c"d'}, 'u=a%20b%2Fc%22d j="a b/c\\"d"', ["a%20b", "a b"], []),
        (
            {"TLS_PRIVATE_KEY": "-----BEGIN-----\nMIIEvQIBADANBgkq\n-----END-----"},
            "got MIIEvQIBADANBgkq",
            ["MIIEvQIBADANBgkq"],
            ["got"],
        ),
        # A buildpack setting's URL keeps its host readable.
        (
            {"BP_CARGO_REGISTRY_MIRROR": "sparse+https://robot:s3cr3t@mirror.example/"},
            "index sparse+https://robot:s3cr3t@mirror.example/ s3cr3t",
            ["s3cr3t"],
            ["mirror.example"],
        ),
    ],
)
def test_the_masking_rule(
    variables: dict[str, str], text: str, hidden: list[str], shown: list[str]
) -> None:
    masked = _masked(variables, text)
    for secret in hidden:
        assert secret not in masked, masked
    for word in shown:
        assert word in masked, masked


def test_ordinary_config_vars_stay_readable_in_a_real_log(platform: Platform) -> None:
    platform.set_config(
        SERVICE_NAME="web-std", GITHUB_TOKEN="ghp_0123456789", PROFILE="release", **UNREACHABLE
    )
    _build_dir, result = platform.build("web-std")
    assert_failed_cleanly(result)
    assert "Package web-std in ./" in result.stdout
    assert "[redacted]" not in result.stdout
