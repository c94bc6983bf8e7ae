#!/usr/bin/env bash
# Installs pgvector for the machine's PostgreSQL 15 when it is missing.
# Debian bookworm has no pgvector package, so this builds the trixie source package against
# postgresql-server-dev-15. The deb-src entry reuses the mirror this machine already uses.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
CONTROL="/usr/share/postgresql/${PG_MAJOR}/extension/vector.control"
SRC_SUITE="${PGVECTOR_SRC_SUITE:-trixie}"
SRC_LIST="/etc/apt/sources.list.d/loupe-pgvector-src.sources"

if [[ -f "$CONTROL" ]]; then
  echo "pgvector already installed for PostgreSQL ${PG_MAJOR} ($CONTROL)"
  exit 0
fi
if [[ "$(id -u)" != "0" ]]; then
  echo "install-pgvector.sh must run as root (apt-get install, make install)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# The Debian archive this machine already uses: a non-security URI of an apt source that serves
# this release's codename, preferring one whose path ends in /debian (deb822 or one-line format).
debian_archive_uri() {
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  shopt -s nullglob
  local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list)
  local existing=()
  for f in "${files[@]}"; do [[ -f "$f" ]] && existing+=("$f"); done
  (( ${#existing[@]} )) || return 0
  awk -v codename="$codename" '
    function consider(uri, suites) {
      if (uri ~ /security/ || uri !~ /:\/\//) return
      if (codename != "" && (" " suites " ") !~ (" " codename "[ -]")) return
      if (uri ~ /\/debian\/?$/) { if (best == "") best = uri }
      else if (fallback == "") fallback = uri
    }
    FILENAME != current { flush(); current = FILENAME }
    FILENAME ~ /\.sources$/ {
      if ($1 == "URIs:") stanza_uris = $0
      if ($1 == "Suites:") stanza_suites = $0
      if ($0 ~ /^[ \t]*$/) flush()
      next
    }
    $1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      consider($i, $(i + 1))
    }
    function flush(   n, u, i) {
      if (stanza_uris != "" && stanza_suites != "") {
        n = split(stanza_uris, u, /[ \t]+/)
        sub(/^Suites:[ \t]*/, "", stanza_suites)
        for (i = 2; i <= n; i++) consider(u[i], stanza_suites)
      }
      stanza_uris = ""; stanza_suites = ""
    }
    END { flush(); print (best != "" ? best : fallback) }
  ' "${existing[@]}"
}

keyring_option() {
  local keyring="/usr/share/keyrings/debian-archive-keyring.gpg"
  [[ -f "$keyring" ]] && echo "Signed-By: $keyring"
}

ARCHIVE_URI=$(debian_archive_uri)
if [[ -z "$ARCHIVE_URI" ]]; then
  echo "no Debian archive URI found in /etc/apt/sources.list{,.d}" >&2
  exit 1
fi
echo "using Debian archive $ARCHIVE_URI for deb-src $SRC_SUITE"

apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  "postgresql-${PG_MAJOR}" "postgresql-server-dev-${PG_MAJOR}" build-essential dpkg-dev ca-certificates >/dev/null

{
  echo "Types: deb-src"
  echo "URIs: $ARCHIVE_URI"
  echo "Suites: $SRC_SUITE"
  echo "Components: main"
  keyring_option
} > "$SRC_LIST"
apt-get update -qq

BUILD_DIR=$(mktemp -d /tmp/pgvector-build.XXXXXX)
cleanup() { rm -rf "$BUILD_DIR"; rm -f "$SRC_LIST"; apt-get update -qq || true; }
trap cleanup EXIT
# apt-get source refuses nothing as root, but downloading as an unprivileged user keeps the
# unsandboxed-download warning away and matches how Debian expects it to be used.
BUILD_USER="${PGVECTOR_BUILD_USER:-nobody}"
chown "$BUILD_USER" "$BUILD_DIR" 2>/dev/null || BUILD_USER=root
if [[ "$BUILD_USER" == "root" ]]; then
  (cd "$BUILD_DIR" && apt-get source -qq "pgvector/$SRC_SUITE")
else
  (cd "$BUILD_DIR" && su -s /bin/sh "$BUILD_USER" -c "apt-get source -qq pgvector/$SRC_SUITE")
fi

SRC_DIR=$(find "$BUILD_DIR" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)
if [[ -z "$SRC_DIR" ]]; then
  echo "apt-get source pgvector/$SRC_SUITE produced no source folder" >&2
  exit 1
fi
echo "building $(basename "$SRC_DIR") against $("$PG_CONFIG" --version)"
make -C "$SRC_DIR" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG" >/dev/null
make -C "$SRC_DIR" -s install PG_CONFIG="$PG_CONFIG" >/dev/null

if [[ ! -f "$CONTROL" ]]; then
  echo "pgvector build finished but $CONTROL is missing" >&2
  exit 1
fi
echo "pgvector $(awk -F"'" '/default_version/ { print $2 }' "$CONTROL") installed for PostgreSQL ${PG_MAJOR}"
