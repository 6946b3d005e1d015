"""Which Cargo features the app is built with, chosen once for every cargo command.

From BP_CARGO_FEATURES (names, comma or space separated),
BP_CARGO_NO_DEFAULT_FEATURES and BP_CARGO_ALL_FEATURES, or else from the
feature flags of BP_CARGO_INSTALL_ARGS (``--features``/``-F``,
``--no-default-features``, ``--all-features``), which are taken out of those
arguments. Either way one FeatureSelection reaches every cargo command that
builds or describes the app: its ``cargo build``, the SBOM's
``cargo metadata``, test-compile's ``cargo test --no-run`` and what bin/test
runs. Why everywhere: an SBOM resolved with other features lists other
crates than the binaries hold, and tests compiled with other features than
bin/test asks for are compiled all over again.

Not given to the tools' ``cargo install`` (other crates, with their own
BP_CARGO_INSTALL_TOOLS_ARGS), nor to the lock check ``cargo update
--workspace --locked``: Cargo.lock holds every optional dependency whatever
the features, so they never change it.

When the variables and BP_CARGO_INSTALL_ARGS both choose, the variables win
as a whole (the flags of BP_CARGO_INSTALL_ARGS are ignored, not merged) and
the build warns, naming what it ignored: one source decides, and the log
says which.

Checked here, before Rust is installed: each name is a feature name, or
``package/feature``; a plain name must be a feature of at least one package
being built (declared in ``[features]``, or an optional dependency's own
feature), which is what cargo requires ("none of the selected packages
contains this feature"), only minutes later.

Cache invalidation: the features key only the record of the crates a build
did without (cargo/offline.py): which crates a build needs depends on them
(an optional dependency). The target dir is not keyed on them: cargo's own
fingerprints already tell feature sets apart (a unit's hash, and so its file
names in ``deps/``, includes its features), so artifacts of two selections
sit side by side and are never mistaken for each other; a key there would
only throw every artifact away at each switch. Pruning after a build removes
the other selection's units, so switching back costs a recompile of the
crates whose features differ, never a wrong binary.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import errors, lazy_re
from ..records import record
from .project import Package

FEATURES_VARIABLE = "BP_CARGO_FEATURES"
NO_DEFAULT_VARIABLE = "BP_CARGO_NO_DEFAULT_FEATURES"
ALL_FEATURES_VARIABLE = "BP_CARGO_ALL_FEATURES"
ARGS_SOURCE = "BP_CARGO_INSTALL_ARGS"
# cargo's rule for a feature name: a letter, digit or `_` first, then also `-`, `+`, `.`;
# on the command line optionally after `package/` (a dependency's or member's feature).
FEATURE_NAME = lazy_re.compile(r"(?:[\w-]+/)?\w[\w+.-]*\Z")
SEPARATORS = lazy_re.compile(r"[\s,]+")


@record
class FeatureSelection:
    """The features every cargo command on the app gets; ``source``: who chose them."""

    features: tuple[str, ...] = ()
    no_default: bool = False
    all_features: bool = False
    source: str = ""

    @property
    def is_default(self) -> bool:
        return not (self.features or self.no_default or self.all_features)

    def arguments(self) -> tuple[str, ...]:
        """cargo's flags for this selection, the same words for every command."""
        words: list[str] = []
        if self.all_features:
            words.append("--all-features")
        if self.no_default:
            words.append("--no-default-features")
        if self.features:
            words += ["--features", ",".join(self.features)]
        return tuple(words)

    def describe(self) -> str:
        """One line for the log: what is built, and which setting said so."""
        if self.all_features:
            chosen = "all of them"
        elif self.features:
            defaults = "without" if self.no_default else "plus"
            chosen = f"{', '.join(self.features)}, {defaults} the default ones"
        elif self.no_default:
            chosen = "none, not even the default ones"
        else:
            chosen = "the default ones"
        return f"Cargo features: {chosen} (from {self.source or 'the default'})"


def split_names(variable: str, value: str) -> tuple[str, ...]:
    """Feature names as cargo reads ``--features``: comma or space separated."""
    names = [name for name in SEPARATORS.split(value) if name]
    for name in names:
        if not FEATURE_NAME.match(name):
            raise errors.invalid_feature_name(variable, name)
    return tuple(dict.fromkeys(names))


def take_feature_flags(words: list[str]) -> tuple[list[str], list[str], FeatureSelection]:
    """Split BP_CARGO_INSTALL_ARGS's words into the others, the feature flags as the
    user wrote them, and the selection those flags make."""
    others: list[str] = []
    flags: list[str] = []
    names: list[str] = []
    no_default = all_features = False
    iterator = iter(words)
    for word in iterator:
        value = None
        if word in ("--features", "-F"):
            value = next(iterator, None)
            if value is None:
                raise errors.invalid_arguments_setting(ARGS_SOURCE, f"{word} needs feature names")
            flags += [word, value]
        elif word.startswith(("--features=", "-F")):
            value = word.split("=", 1)[1] if "=" in word[:11] else word[2:]
            flags.append(word)
        elif word == "--no-default-features":
            no_default = True
            flags.append(word)
        elif word == "--all-features":
            all_features = True
            flags.append(word)
        else:
            others.append(word)
        if value is not None:
            names += split_names(ARGS_SOURCE, value)
    source = ARGS_SOURCE if flags else ""
    selection = FeatureSelection(tuple(dict.fromkeys(names)), no_default, all_features, source)
    return others, flags, selection


def from_variables(
    features_value: str | None, no_default: bool | None, all_features: bool | None
) -> FeatureSelection | None:
    """The variables' choice, or None when none of them is set (``None`` values)."""
    if features_value is None and no_default is None and all_features is None:
        return None
    features = split_names(FEATURES_VARIABLE, features_value or "")
    if all_features and (features or no_default):
        other = FEATURES_VARIABLE if features else f"{NO_DEFAULT_VARIABLE}=true"
        raise errors.contradictory_features(ALL_FEATURES_VARIABLE, other)
    sources = [
        name
        for name, value in (
            (FEATURES_VARIABLE, features_value),
            (NO_DEFAULT_VARIABLE, no_default),
            (ALL_FEATURES_VARIABLE, all_features),
        )
        if value is not None
    ]
    return FeatureSelection(features, bool(no_default), bool(all_features), ", ".join(sources))


def choose(
    variables: FeatureSelection | None,
    from_arguments: FeatureSelection,
    argument_flags: list[str],
) -> tuple[FeatureSelection, errors.BuildWarning | None]:
    """The variables win over BP_CARGO_INSTALL_ARGS's flags, as a whole, with a warning."""
    if variables is None:
        return from_arguments, None
    if not argument_flags:
        return variables, None
    return variables, errors.features_overridden(argument_flags, variables.describe())


def check_known(selection: FeatureSelection, packages: Iterable[Package]) -> None:
    """Each plain feature name belongs to at least one of the packages built
    (``package/feature`` names are cargo's to check: a dependency's features are
    not known before the registry is read)."""
    packages = tuple(packages)
    if not packages:  # nothing is built (RustConfig's RUST_SKIP_BUILD)
        return
    known = {feature for package in packages for feature in package.features}
    unknown = [name for name in selection.features if "/" not in name and name not in known]
    if unknown:
        available = {package.name: sorted(package.features) for package in packages}
        raise errors.unknown_features(selection.source, unknown, available)
