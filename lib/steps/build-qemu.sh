#!/bin/bash
# Build the rig's QEMU (x86_64-softmmu only) from Debian's source package, unpacked the way
# `apt-get source` does so that Debian's own patches apply, plus the project's patches in
# rig/qemu-patches/. The binary is cached by content in $CACHE/qemu/<key>/.
. "$(dirname "$0")/../common.sh"

QPATCHES=$TOP/rig/qemu-patches

# The one configure line of the rig's QEMU, also used by `make qemu-dev` (which calls
# `build-qemu.sh --configure SRC OBJ LOG`) so that both builds are configured alike.
qemu_configure() {	# qemu_configure SRC OBJ LOG
	mkdir -p "$2"
	(cd "$2" && run_logged "$3" env PYTHON=$PY "$1/configure" \
		--python=$PY --target-list=x86_64-softmmu --without-default-features \
		--disable-docs --disable-werror --disable-download --disable-install-blobs \
		--enable-tcg --enable-kvm)
}
if [ "${1:-}" = --configure ]; then
	[ -x "$MESON_ROOT/usr/bin/meson" ] || die "no meson in $MESON_ROOT: run 'make qemu' first"
	use_meson
	qemu_configure "$2" "$3" "$4"
	exit 0
fi

key=$(printf '%s %s %s\n' "$QEMU_VERSION" "$MESON_VERSION" \
	"$(hash_of "$QPATCHES" "$0")" | sha256sum | cut -c1-16)
out=$CACHE/qemu/$key
if [ -x "$out/qemu-system-x86_64" ]; then
	ln -sfn "$out" "$BUILD/qemu-bin"
	exit 0
fi

step "qemu: fetch Debian source"
apt_priv_update
dl=$CACHE/dl/qemu
mkdir -p "$dl"
# Which versions does the registry list? Try the pinned one first, then the fallbacks of
# rig/README.md: newest >= 10.2, then trixie's 10.0.x (nested_exceptions_test then fails).
mapfile -t listed < <(apt_priv showsrc qemu 2>/dev/null | awk '/^Version:/ {print $2}' |
	sort -urV)
candidates=("$QEMU_VERSION")
for v in "${listed[@]}"; do
	up=${v#*:}
	if dpkg --compare-versions "$up" ge 10.2 && [ "$v" != "$QEMU_VERSION" ]; then
		candidates+=("$v")
	fi
done
for v in "${listed[@]}"; do
	case ${v#*:} in 10.0.*) candidates+=("$v") ;; esac
done
got=""
for v in "${candidates[@]}"; do
	if (cd "$dl" && apt_priv source --download-only -q "qemu=$v") > "$LOGS/qemu-fetch.log" 2>&1; then
		got=$v
		break
	fi
	msg "qemu $v not downloadable"
done
[ -n "$got" ] || die "no usable QEMU source package (see $LOGS/qemu-fetch.log)"
if [ "$got" != "$QEMU_VERSION" ]; then
	warn "QEMU $QEMU_VERSION (pinned in inputs/versions) is not served; using $got instead"
	case ${got#*:} in 10.0.*)
		warn "QEMU $got has the nested-SVM #DF bug: nested_exceptions_test will fail" ;;
	esac
fi
step_end

step "qemu: fetch meson $MESON_VERSION"
if [ ! -x "$MESON_ROOT/usr/bin/meson" ]; then
	mkdir -p "$dl" && rm -rf "$MESON_ROOT"
	(cd "$dl" && apt_priv download -q "meson=$MESON_VERSION") > "$LOGS/meson-fetch.log" 2>&1 ||
		die "cannot download meson $MESON_VERSION (see $LOGS/meson-fetch.log)"
	mkdir -p "$MESON_ROOT"
	dpkg-deb -x "$dl"/meson_"${MESON_VERSION}"_all.deb "$MESON_ROOT"
fi
use_meson
step_end

step "qemu: unpack and patch"
src=$BUILD/qemu/src
obj=$BUILD/qemu/obj
rm -rf "$src" "$obj"
mkdir -p "$BUILD/qemu"
dsc=$(ls "$dl"/qemu_"${got#*:}".dsc)
run_logged "$LOGS/qemu-unpack.log" dpkg-source --no-check -x "$dsc" "$src"
for p in "$QPATCHES"/*.patch; do
	[ -e "$p" ] || continue
	msg "applying $(basename "$p")"
	(cd "$src" && patch -p1 --no-backup-if-mismatch -s < "$p") ||
		die "rig QEMU patch $(basename "$p") does not apply"
done
step_end

step "qemu: configure and build (x86_64-softmmu)"
qemu_configure "$src" "$obj" "$LOGS/qemu-configure.log"
run_logged "$LOGS/qemu-build.log" ninja -C "$obj" -j"$(nproc)" qemu-system-x86_64
mkdir -p "$out.tmp"
cp "$obj/qemu-system-x86_64" "$out.tmp/"
echo "$got" > "$out.tmp/version"
rm -rf "$out" && mv "$out.tmp" "$out"
ln -sfn "$out" "$BUILD/qemu-bin"
step_end
