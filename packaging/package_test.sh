#!/usr/bin/env bash
# `make package-test`: check the built .deb, tarball and bundle the way a user would meet them.
#
#   1. contents: no torch, no training code, no tests; sizes within the targets
#   2. the .deb unpacked into a throw-away root (dpkg-deb -x): layout, launcher, desktop entry
#   3. every library that any bundled ELF file needs resolves, and each system one comes from a
#      package that Depends names (catches a short Depends:)
#   4. the headless probe `caminho --type "No meio do " --json` offers "caminho", in a clean
#      environment (env -i: no venv, no PYTHONPATH), on QT_QPA_PLATFORM=offscreen and on a real
#      X server (Xvfb, xcb), from the unpacked .deb and from the tarball; the first one with no
#      network at all (unshare -n) where the machine allows it
#   5. as root: a real `apt-get install ./caminho.deb`, run `caminho` from PATH, `dpkg -r`, and
#      check nothing is left (skipped when caminho is already installed: never touch a user's copy)
#   Also, where weston is installed (as root it is), the probe on Wayland (headless weston).
#
# Needs the system libraries in the .deb's Depends and Xvfb: as root (CI) they are installed
# with apt-get; otherwise the missing ones are named and the test fails.
# Env: PKGTEST_ATTEMPTS  probe attempts before failing (default 5, see probe())
#      PKGTEST_INSTALL   0 to skip the real install/remove of step 5 (default 1 when root)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
START=$SECONDS

VERSION="$(sed -n 's/^version *= *"\(.*\)"/\1/p' pyproject.toml | head -n1)"
ARCH="$(dpkg --print-architecture)"
BUNDLE="$ROOT/dist/caminho"
DEB="$ROOT/dist/caminho_${VERSION}_${ARCH}.deb"
TARBALL="$ROOT/dist/caminho-${VERSION}-linux-$(uname -m).tar.xz"
PROBE_TEXT="No meio do "
EXPECTED_WORD="caminho"
MAX_DEB_MB=70
MAX_BUNDLE_MB=200
ATTEMPTS="${PKGTEST_ATTEMPTS:-5}"
IS_ROOT=0; [[ "$(id -u)" == 0 ]] && IS_ROOT=1
INSTALL="${PKGTEST_INSTALL:-$IS_ROOT}"

failures=()
PROBE_PREFIX=()  # a command the probe runs under (unshare -n)
step() { printf '\n== %s\n' "$*"; }
pass() { printf '   ok: %s\n' "$*"; }
fail() { printf '   FAIL: %s\n' "$*" >&2; failures+=("$*"); }

for f in "$BUNDLE/caminho" "$DEB" "$TARBALL"; do
    [[ -e "$f" ]] || { echo "package_test: $f is missing; run: make package" >&2; exit 2; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/caminho-pkgtest.XXXXXX")"
XVFB_PID=""
WESTON_PID=""
INSTALLED_HERE=0
cleanup() {
    [[ -n "$XVFB_PID" ]] && kill "$XVFB_PID" 2>/dev/null || true
    [[ -n "$WESTON_PID" ]] && kill "$WESTON_PID" 2>/dev/null || true
    if [[ "$INSTALLED_HERE" == 1 ]]; then
        # Never leave our test install on the machine, even when a check above failed.
        dpkg -r caminho >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- 1. contents and sizes --------------------------------------------------------------------
step "contents of the bundle"
torch_files="$(find "$BUNDLE" -iname '*torch*' | head -n 5)"
if [[ -z "$torch_files" ]]; then pass "no file named *torch*"; else fail "torch in the bundle: $torch_files"; fi
# Python modules live inside the executable's PYZ archive; list them when PyInstaller is at hand.
VIEWER="$ROOT/.venv-package/bin/pyi-archive_viewer"
if [[ -x "$VIEWER" ]]; then
    stray="$("$VIEWER" -r -b -l "$BUNDLE/caminho" 2>/dev/null \
        | grep -E '^ ?(torch|training|tests|pytest|_pytest|hypothesis|onnx|onnxscript)(\.|$)' | head -n 5 || true)"
    if [[ -z "$stray" ]]; then pass "no torch, training, tests or onnx modules in the archive"
    else fail "unwanted modules in the archive: $(echo "$stray" | tr '\n' ' ')"; fi
else
    echo "   (no $VIEWER: module list not checked)"
fi
if find "$BUNDLE" -path '*/tests/*' -o -path '*/training/*' | grep -q .; then
    fail "test or training files in the bundle: $(find "$BUNDLE" -path '*/tests/*' -o -path '*/training/*' | head -n 3)"
else
    pass "no tests/ or training/ folders"
fi
[[ -f "$BUNDLE/_internal/resources/models/no-meio-do-caminho.onnx" ]] \
    && pass "bundled model present" || fail "bundled model missing from _internal/resources/models"
for lexicon in pt.tsv.gz en.tsv.gz LICENSE.txt; do
    [[ -f "$BUNDLE/_internal/resources/lexicon/$lexicon" ]] \
        && pass "word list file $lexicon present" \
        || fail "word list file $lexicon missing from _internal/resources/lexicon"
done
# The interface languages: Caminho's catalogue and Qt's own, for each translations/*.ts.
for ts in translations/caminho_*.ts; do
    lang="$(basename "${ts%.ts}")"; lang="${lang#caminho_}"
    for qm in "resources/translations/caminho_$lang.qm" "PySide6/Qt/translations/qtbase_$lang.qm"; do
        [[ -f "$BUNDLE/_internal/$qm" ]] && pass "$qm" || fail "$qm missing from _internal"
    done
done

step "sizes"
# MiB with one decimal; the bundle as du counts it (blocks, symlinks as links).
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
bundle_mb="$(mib "$(( $(du -sk "$BUNDLE" | cut -f1) * 1024 ))")"
deb_mb="$(mib "$(stat -c %s "$DEB")")"
tar_mb="$(mib "$(stat -c %s "$TARBALL")")"
printf '   bundle  %6s MiB  %s (unpacked, target < %s)\n' "$bundle_mb" "${BUNDLE#"$ROOT"/}" "$MAX_BUNDLE_MB"
printf '   .deb    %6s MiB  %s (target < %s)\n' "$deb_mb" "${DEB#"$ROOT"/}" "$MAX_DEB_MB"
printf '   tarball %6s MiB  %s\n' "$tar_mb" "${TARBALL#"$ROOT"/}"
awk -v v="$bundle_mb" -v m="$MAX_BUNDLE_MB" 'BEGIN { exit !(v < m) }' \
    || fail "bundle is $bundle_mb MiB (target < $MAX_BUNDLE_MB)"
awk -v v="$deb_mb" -v m="$MAX_DEB_MB" 'BEGIN { exit !(v < m) }' \
    || fail ".deb is $deb_mb MiB (target < $MAX_DEB_MB)"

# --- 2. the .deb in a throw-away root -----------------------------------------------------------
step "the .deb unpacked into a throw-away root"
FAKEROOT="$WORK/root"
dpkg-deb -x "$DEB" "$FAKEROOT"
METAINFO="usr/share/metainfo/$(sed -n 's|.*<id>\(.*\)</id>.*|\1|p' resources/caminho.metainfo.xml | head -n1).metainfo.xml"
for path in opt/caminho/caminho opt/caminho/_internal/resources/models/no-meio-do-caminho.onnx \
    usr/share/applications/caminho.desktop usr/share/icons/hicolor/scalable/apps/caminho.svg \
    usr/share/icons/hicolor/256x256/apps/caminho.png "$METAINFO" usr/share/doc/caminho/changelog.gz \
    usr/share/doc/caminho/copyright; do
    [[ -e "$FAKEROOT/$path" ]] && pass "/$path" || fail "/$path missing from the .deb"
done
if [[ "$(readlink "$FAKEROOT/usr/bin/caminho" || true)" == /opt/caminho/caminho ]]; then
    pass "/usr/bin/caminho -> /opt/caminho/caminho"
else
    fail "/usr/bin/caminho is not a link to /opt/caminho/caminho"
fi
grep -q '^Exec=caminho' "$FAKEROOT/usr/share/applications/caminho.desktop" \
    && pass "desktop entry runs caminho from PATH" || fail "desktop entry does not Exec=caminho"
grep -q '^MimeType=.*text/plain;' "$FAKEROOT/usr/share/applications/caminho.desktop" \
    && pass "desktop entry opens text/plain (Open with)" || fail "desktop entry lacks MimeType=text/plain"

# The desktop metadata validators and lintian, from Debian (as root they are installed).
tools=(desktop-file-validate:desktop-file-utils appstreamcli:appstream lintian:lintian)
absent=()
for tool in "${tools[@]}"; do command -v "${tool%%:*}" >/dev/null || absent+=("${tool#*:}"); done
if ((${#absent[@]})) && ((IS_ROOT)); then
    echo "   installing ${absent[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${absent[@]}" >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
             apt-get install -y -qq --no-install-recommends "${absent[@]}" >/dev/null; } || true
fi
if command -v desktop-file-validate >/dev/null; then
    out="$(desktop-file-validate "$FAKEROOT/usr/share/applications/caminho.desktop" 2>&1)" \
        && [[ -z "$out" ]] && pass "desktop-file-validate: no errors, no hints" \
        || fail "desktop-file-validate: $out"
else
    fail "desktop-file-validate not installed (as root: apt-get install desktop-file-utils)"
fi
if command -v appstreamcli >/dev/null; then
    out="$(appstreamcli validate --no-net "$FAKEROOT/$METAINFO" 2>&1)" \
        && pass "appstreamcli validate: $(echo "$out" | tail -n1)" || fail "appstreamcli validate: $out"
else
    fail "appstreamcli not installed (as root: apt-get install appstream)"
fi
if command -v lintian >/dev/null; then
    # --fail-on error: warnings are reported, only errors fail; overrides ship in the .deb.
    lintian_rc=0
    lintian --fail-on error --tag-display-limit 0 "$DEB" >"$WORK/lintian.txt" 2>&1 || lintian_rc=$?
    tags="$(grep -c '^[EW]:' "$WORK/lintian.txt" || true)"
    if ((lintian_rc == 0)); then
        pass "lintian: no errors ($tags warning(s); overridden tags: packaging/lintian-overrides)"
    else
        fail "lintian reports errors:"; grep '^E:' "$WORK/lintian.txt" | head -n 20 >&2 || true
    fi
else
    fail "lintian not installed (as root: apt-get install lintian)"
fi

# --- 3. system libraries ------------------------------------------------------------------------
step "system libraries (the .deb's Depends), Xvfb and weston"
# First alternative of each Depends entry, without version constraints.
mapfile -t depends < <(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep .)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for pkg in "${depends[@]}" xvfb; do installed "$pkg" || missing+=("$pkg"); done
# weston (headless) gives the Wayland check a compositor; optional, so only root installs it.
((IS_ROOT)) && ! installed weston && missing+=(weston)
if ((${#missing[@]})) && ((IS_ROOT)); then
    echo "   installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # An install without a fresh package list fails on a new machine; update only then.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
    missing=()
    for pkg in "${depends[@]}" xvfb; do installed "$pkg" || missing+=("$pkg"); done
fi
if ((${#missing[@]})); then
    fail "not installed: ${missing[*]} (as root: apt-get install ${missing[*]})"
else
    pass "all ${#depends[@]} Depends and xvfb installed"
fi

# Every NEEDED library of every ELF file in the bundle must resolve against the bundle (the
# bootloader puts _internal on the library path) or the system.
INTERNAL="$FAKEROOT/opt/caminho/_internal"
unresolved="$(
    find "$FAKEROOT/opt/caminho" -type f \( -name '*.so*' -o -name caminho \) -print0 \
    | while IFS= read -r -d '' elf; do
        [[ "$(head -c 4 "$elf" | od -An -c | tr -d ' ')" == '177ELF' ]] || continue
        LD_LIBRARY_PATH="$INTERNAL" ldd "$elf" 2>/dev/null | awk -v f="${elf#"$INTERNAL"/}" \
            '/not found/ {print "     " f ": " $1}'
    done | sort -u
)"
if [[ -z "$unresolved" ]]; then pass "every library the bundle links to resolves"
else fail "libraries not found (add their packages to Depends in build_deb.sh):"; echo "$unresolved" >&2; fi

# Resolving is not enough: a library that arrives only as another package's dependency can vanish
# with that package's next version. Each system library the bundle links to directly must come
# from a package that Depends names.
bundled_names="$(find "$FAKEROOT/opt/caminho" \( -type f -o -type l \) -name '*.so*' -printf '%f\n' | sort -u)"
undeclared=()
while read -r lib; do
    owner="$(dpkg -S "*/$lib" 2>/dev/null | head -n1 | cut -d: -f1 || true)"
    if [[ -z "$owner" ]]; then
        undeclared+=("$lib (no installed package has it)")
    elif [[ " ${depends[*]} " != *" $owner "* ]]; then
        undeclared+=("$lib (from $owner)")
    fi
done < <(find "$FAKEROOT/opt/caminho" -type f \( -name '*.so*' -o -name caminho \) -exec objdump -p {} + 2>/dev/null \
         | awk '/NEEDED/ {print $2}' | sort -u | comm -23 - <(echo "$bundled_names"))
if ((${#undeclared[@]})); then
    fail "linked but not in Depends: ${undeclared[*]}"
else
    pass "every system library the bundle links to comes from a package in Depends"
fi

# --- 4. the probe, in a clean environment -------------------------------------------------------
# probe LABEL PLATFORM EXECUTABLE [VAR=VALUE...]: run the headless probe with nothing from this
# shell's environment but what is named, and check the JSON it prints. Retried because the
# probe can report the strip a moment before the final result lands (a race in the editor's
# probe, not in packaging: seen from source too); every retry is reported.
probe() {
    local label="$1" platform="$2" exe="$3"; shift 3
    local home="$WORK/home-$RANDOM" attempt out err verdict rc
    mkdir -p "$home/runtime" && chmod 700 "$home/runtime"
    for ((attempt = 1; attempt <= ATTEMPTS; attempt++)); do
        out="$WORK/probe.out" err="$WORK/probe.err"
        # A fresh settings folder each time: a model chosen in an earlier run must not leak in.
        rm -rf "$home/config"
        rc=0
        env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 XDG_RUNTIME_DIR="$home/runtime" \
            CAMINHO_CONFIG_DIR="$home/config" QT_QPA_PLATFORM="$platform" "$@" \
            "${PROBE_PREFIX[@]}" timeout 60 "$exe" --type "$PROBE_TEXT" --json >"$out" 2>"$err" || rc=$?
        if ((rc != 0)); then
            verdict="exited $rc ($(tail -n 3 "$err" | tr '\n' ' '))"
        else
            verdict="$(python3 - "$out" "$EXPECTED_WORD" <<'PY'
import json, sys
lines = [ln for ln in open(sys.argv[1], encoding="utf-8") if ln.startswith("{")]
if not lines:
    print("printed no JSON"); sys.exit()
state = json.loads(lines[-1])
if state.get("error"):
    print("error: " + state["error"])
elif not state.get("model"):
    print("no model loaded")
elif sys.argv[2] not in state.get("strip", []):
    print(f"strip {state.get('strip')} lacks {sys.argv[2]!r} (ghost {state.get('ghost')!r})")
else:
    print(f"ok strip={state['strip']} model={state['model']} latency={state.get('latency_ms', 0):.1f} ms")
PY
)"
        fi
        if [[ "$verdict" == ok* ]]; then
            pass "$label: ${verdict#ok }$( ((attempt == 1)) || echo " (attempt $attempt)")"
            return 0
        fi
        echo "   attempt $attempt/$ATTEMPTS, $label: $verdict" >&2
    done
    fail "$label: $verdict"
    if [[ "$platform" == xcb ]]; then
        # Qt names the plugin it could not load, not always the library that is really missing.
        env -i HOME="$home" PATH=/usr/bin:/bin QT_DEBUG_PLUGINS=1 QT_QPA_PLATFORM=xcb "$@" \
            timeout 60 "$exe" --version 2>&1 | grep -iE 'cannot|not found|error' | head -n 10 >&2 || true
    fi
    return 0
}

step "probe from the unpacked .deb"
# Through a symlink, as /usr/bin/caminho runs it: the bootloader must still find _internal/.
ln -s "$FAKEROOT/opt/caminho/caminho" "$WORK/caminho"
version_out="$(env -i HOME="$WORK" PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen "$WORK/caminho" --version 2>/dev/null || true)"
[[ "$version_out" == "caminho $VERSION" ]] && pass "--version: $version_out" \
    || fail "--version printed '$version_out', expected 'caminho $VERSION'"
# The bundled model must load with no network at all: in a network namespace of its own where
# this machine allows one (as root it does).
PROBE_PREFIX=()
if unshare -n true 2>/dev/null; then
    PROBE_PREFIX=(unshare -n)
    probe "offscreen, no network (unshare -n)" offscreen "$WORK/caminho"
    PROBE_PREFIX=()
else
    probe "offscreen" offscreen "$WORK/caminho"
fi
# In Portuguese: the bundled catalogues load (the start-up log names them) and the probe works.
pt_log="$(env -i HOME="$WORK" PATH=/usr/bin:/bin LANG=pt_BR.UTF-8 QT_QPA_PLATFORM=offscreen \
    CAMINHO_CONFIG_DIR="$WORK/pt-config" timeout 60 "$WORK/caminho" --no-model --quit-after-start 2>&1 || true)"
if grep -q 'interface language pt_BR (caminho_pt_BR.qm, qtbase_pt_BR.qm)' <<<"$pt_log"; then
    pass "LANG=pt_BR.UTF-8 loads caminho_pt_BR.qm and qtbase_pt_BR.qm"
else
    fail "LANG=pt_BR.UTF-8: $(grep -i 'language\|translation' <<<"$pt_log" | head -n 3)"
fi

if command -v Xvfb >/dev/null; then
    # A display number nobody uses, so a developer's own X servers are left alone.
    display=99
    while [[ -e "/tmp/.X11-unix/X$display" || -e "/tmp/.X$display-lock" ]]; do display=$((display + 1)); done
    Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp -ac >"$WORK/xvfb.log" 2>&1 &
    XVFB_PID=$!
    for _ in $(seq 50); do [[ -e "/tmp/.X11-unix/X$display" ]] && break; sleep 0.1; done
    if [[ -e "/tmp/.X11-unix/X$display" ]]; then
        probe "xcb on Xvfb :$display" xcb "$WORK/caminho" DISPLAY=":$display"
    else
        fail "Xvfb did not start: $(tail -n 3 "$WORK/xvfb.log")"
    fi
else
    fail "Xvfb not installed: the xcb check cannot run (as root: apt-get install xvfb)"
fi

if command -v weston >/dev/null; then
    WL_RUNTIME="$WORK/wl-runtime"
    mkdir -m 700 "$WL_RUNTIME"
    # weston 10 (Debian 12) names its backend headless-backend.so, later ones headless.
    XDG_RUNTIME_DIR="$WL_RUNTIME" weston --backend=headless-backend.so --socket=caminho-test \
        --idle-time=0 >"$WORK/weston.log" 2>&1 &
    WESTON_PID=$!
    for _ in $(seq 50); do [[ -S "$WL_RUNTIME/caminho-test" ]] && break; sleep 0.1; done
    if [[ -S "$WL_RUNTIME/caminho-test" ]]; then
        probe "wayland on headless weston" wayland "$WORK/caminho" \
            XDG_RUNTIME_DIR="$WL_RUNTIME" WAYLAND_DISPLAY=caminho-test
    else
        fail "weston did not start: $(tail -n 3 "$WORK/weston.log")"
    fi
else
    echo "   (weston not installed: Wayland not checked)"
fi

step "probe from the tarball"
mkdir -p "$WORK/tar"
tar -C "$WORK/tar" -xJf "$TARBALL"
probe "tarball, offscreen" offscreen "$WORK/tar/caminho/caminho"

# --- 5. a real install and removal --------------------------------------------------------------
step "install with apt, run from PATH, remove with dpkg -r"
if [[ "$INSTALL" != 1 ]]; then
    echo "   skipped (PKGTEST_INSTALL=$INSTALL; the default is 1 when run as root)"
elif installed caminho; then
    echo "   skipped: caminho is already installed on this machine and is left as it is"
else
    INSTALLED_HERE=1
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB" >"$WORK/apt.log" 2>&1; then
        pass "apt-get install ./$(basename "$DEB")"
        [[ "$(command -v caminho)" == /usr/bin/caminho ]] && pass "caminho is on PATH" \
            || fail "caminho is not on PATH as /usr/bin/caminho"
        probe "installed, offscreen" offscreen /usr/bin/caminho
        [[ -n "$XVFB_PID" ]] && probe "installed, xcb" xcb /usr/bin/caminho DISPLAY=":$display"
        listed="$(dpkg -L caminho | wc -l)"
        # dpkg warns that /opt is not empty (other packages use it): expected, so kept in the log.
        dpkg -r caminho >>"$WORK/apt.log" 2>&1
        INSTALLED_HERE=0
        leftovers="$(ls -d /opt/caminho /usr/bin/caminho /usr/share/applications/caminho.desktop \
            /usr/share/icons/hicolor/*/apps/caminho.* 2>/dev/null || true)"
        if [[ -z "$leftovers" ]] && ! installed caminho; then
            pass "dpkg -r removed all $listed paths"
        else
            fail "left after dpkg -r: $leftovers"
        fi
    else
        fail "apt-get install failed: $(tail -n 5 "$WORK/apt.log")"
    fi
fi

step "summary"
elapsed=$((SECONDS - START))
printf '   bundle %s MiB, .deb %s MiB, tarball %s MiB; checks took %ss\n' "$bundle_mb" "$deb_mb" "$tar_mb" "$elapsed"
if ((${#failures[@]})); then
    printf '   %s check(s) failed:\n' "${#failures[@]}" >&2
    printf '     - %s\n' "${failures[@]}" >&2
    exit 1
fi
echo "   all package checks passed"
