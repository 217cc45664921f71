#!/bin/bash
# `make qemu-dev`: incremental build of build/qemu-tree (the QEMU patch loop's working tree)
# in build/qemu-tree-obj. The result, build/qemu-dev/qemu-system-x86_64, is what
# `make stage0 QEMU=dev` runs; `make check` always uses the cached build of rig/qemu-patches/.
. "$(dirname "$0")/../lib/common.sh"

QT=$BUILD/qemu-tree
obj=$BUILD/qemu-tree-obj
[ -d "$QT/.git" ] || die "no $QT: run 'make qemu-tree' first"
[ -x "$MESON_ROOT/usr/bin/meson" ] || "$TOP/lib/steps/build-qemu.sh"
use_meson
step "qemu-dev: build $QT"
[ -f "$obj/build.ninja" ] ||
	"$TOP/lib/steps/build-qemu.sh" --configure "$QT" "$obj" "$LOGS/qemu-dev-configure.log"
run_logged "$LOGS/qemu-dev-build.log" ninja -C "$obj" -j"$(nproc)" qemu-system-x86_64
mkdir -p "$BUILD/qemu-dev"
cp "$obj/qemu-system-x86_64" "$BUILD/qemu-dev/"
step_end
