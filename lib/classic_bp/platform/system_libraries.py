"""The system libraries the stacks carry, and the Ubuntu package of many others.

A crate that links a C library (openssl-sys, pq-sys, libsqlite3-sys...) finds
it through pkg-config or the linker; when the stack lacks it, the build fails
with pkg-config's or the linker's name for it (``libsodium``, ``-lpq``), and
the user needs the Ubuntu ``-dev`` package to list in an Aptfile, and
whether the stack should already have had it. This table answers both.

What the stacks carry is PLATFORM.md's record of the stack images: every
stack has pkg-config, libssl-dev and libpq-dev; scalingo-22/24 and
heroku-22/24 also libsqlite3-dev, libmysqlclient-dev, zlib1g-dev (and clang).
The other rows are common libraries of -sys crates, so that the error can
name the package to install.
"""

from __future__ import annotations

from .. import lazy_re
from ..records import record
from .stack import KNOWN_STACKS

EVERY_STACK = KNOWN_STACKS
STACKS_22_24 = ("scalingo-22", "scalingo-24", "heroku-22", "heroku-24")
UBUNTU_RELEASES = {
    "scalingo-22": "22.04",
    "heroku-22": "22.04",
    "scalingo-24": "24.04",
    "heroku-24": "24.04",
    "scalingo-26": "26.04",
}


@record
class SystemLibrary:
    package: str  # the Ubuntu package to list in an Aptfile
    names: tuple[str, ...]  # link names (-lNAME) and pkg-config names (NAME.pc)
    stacks: tuple[str, ...] = ()  # the stacks whose image carries the package

    def carried_on(self, stack: str | None) -> bool:
        return stack in self.stacks


LIBRARIES = (
    SystemLibrary("libssl-dev", ("ssl", "crypto", "openssl", "libssl", "libcrypto"), EVERY_STACK),
    SystemLibrary("libpq-dev", ("pq", "libpq"), EVERY_STACK),
    SystemLibrary("libsqlite3-dev", ("sqlite3",), STACKS_22_24),
    SystemLibrary("libmysqlclient-dev", ("mysqlclient",), STACKS_22_24),
    SystemLibrary("zlib1g-dev", ("z", "zlib"), STACKS_22_24),
    SystemLibrary("libsodium-dev", ("sodium", "libsodium")),
    SystemLibrary("libzstd-dev", ("zstd", "libzstd")),
    SystemLibrary("liblzma-dev", ("lzma", "liblzma")),
    SystemLibrary("libbz2-dev", ("bz2", "bzip2")),
    SystemLibrary("liblz4-dev", ("lz4", "liblz4")),
    SystemLibrary("libsnappy-dev", ("snappy",)),
    SystemLibrary("libcurl4-openssl-dev", ("curl", "libcurl")),
    SystemLibrary("libgit2-dev", ("git2", "libgit2")),
    SystemLibrary("libssh2-1-dev", ("ssh2", "libssh2")),
    SystemLibrary("libsasl2-dev", ("sasl2", "libsasl2")),
    SystemLibrary("libkrb5-dev", ("krb5", "gssapi_krb5", "krb5-gssapi")),
    SystemLibrary("libldap2-dev", ("ldap",)),
    SystemLibrary("libzmq3-dev", ("zmq", "libzmq")),
    SystemLibrary("librdkafka-dev", ("rdkafka",)),
    SystemLibrary("libxml2-dev", ("xml2", "libxml-2.0")),
    SystemLibrary("libyaml-dev", ("yaml", "yaml-0.1")),
    SystemLibrary("libexpat1-dev", ("expat",)),
    SystemLibrary("libffi-dev", ("ffi", "libffi")),
    SystemLibrary("libpcre2-dev", ("pcre2-8", "libpcre2-8")),
    SystemLibrary("libonig-dev", ("onig", "oniguruma")),
    SystemLibrary("libgmp-dev", ("gmp",)),
    SystemLibrary("libmagic-dev", ("magic",)),
    SystemLibrary("libarchive-dev", ("archive", "libarchive")),
    SystemLibrary("libpcap-dev", ("pcap", "libpcap")),
    SystemLibrary("libcap-dev", ("cap", "libcap")),
    SystemLibrary("libseccomp-dev", ("seccomp", "libseccomp")),
    SystemLibrary("libudev-dev", ("udev", "libudev")),
    SystemLibrary("libdbus-1-dev", ("dbus-1",)),
    SystemLibrary("libusb-1.0-0-dev", ("usb-1.0",)),
    SystemLibrary("uuid-dev", ("uuid",)),
    SystemLibrary("libfontconfig1-dev", ("fontconfig",)),
    SystemLibrary("libfreetype-dev", ("freetype", "freetype2")),
    SystemLibrary("libpng-dev", ("png", "png16", "libpng", "libpng16")),
    SystemLibrary("libjpeg-dev", ("jpeg", "libjpeg")),
    SystemLibrary("libwebp-dev", ("webp", "libwebp")),
    SystemLibrary("libheif-dev", ("heif", "libheif")),
    SystemLibrary("libvips-dev", ("vips",)),
    SystemLibrary("libcairo2-dev", ("cairo",)),
    SystemLibrary("libglib2.0-dev", ("glib-2.0", "gobject-2.0", "gio-2.0")),
    SystemLibrary("libopus-dev", ("opus",)),
    SystemLibrary("libasound2-dev", ("asound", "alsa")),
    SystemLibrary("libavcodec-dev", ("avcodec", "libavcodec")),
    SystemLibrary("libavformat-dev", ("avformat", "libavformat")),
    SystemLibrary("libavutil-dev", ("avutil", "libavutil")),
    SystemLibrary("libswscale-dev", ("swscale", "libswscale")),
    SystemLibrary("libtesseract-dev", ("tesseract",)),
    SystemLibrary("libleptonica-dev", ("lept",)),
    SystemLibrary("libgeos-dev", ("geos", "geos_c")),
    SystemLibrary("libproj-dev", ("proj",)),
    SystemLibrary("libgdal-dev", ("gdal",)),
    SystemLibrary("libhdf5-dev", ("hdf5",)),
)
_BY_NAME = {name: library for library in LIBRARIES for name in library.names}
# `-l:libfoo.so.1`, `libfoo.a`, `foo.pc`: the name inside.
_DECORATION = lazy_re.compile(r"^:|\.pc$|\.(?:so|a)(?:\.[0-9.]+)?$")


def find(name: str) -> SystemLibrary | None:
    """The library pkg-config or the linker named (``libpq``, ``pq``, ``:libpq.so.5``)."""
    bare = _DECORATION.sub("", name.strip().lower())
    candidates = (bare, bare.removeprefix("lib"), f"lib{bare}")
    return next((_BY_NAME[key] for key in candidates if key in _BY_NAME), None)


def carried(stack: str | None) -> tuple[str, ...]:
    """The -dev packages of the table that ``stack`` carries, in table order."""
    return tuple(library.package for library in LIBRARIES if library.carried_on(stack))
