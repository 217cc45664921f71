#!/bin/bash
# `make qemu-dev`: incremental build of build/qemu-tree (the QEMU patch loop's working tree)
# in build/qemu-tree-obj. The result, build/qemu-dev/qemu-system-x86_64, is what
# `make stage0 QEMU=dev` runs; `make check` always uses the cached build of rig/qemu-patches/.
. "$(dirname "$0")/lib.sh"

QT=$BUILD/qemu-tree
obj=$BUILD/qemu-tree-obj
[ -d "$QT/.git" ] || die "no $QT: run 'make qemu-tree' first"
meson_root=$CACHE/meson/$MESON_VERSION
[ -x "$meson_root/usr/bin/meson" ] || "$TOP/scripts/build-qemu.sh"
export PATH=$meson_root/usr/bin:$PATH
export PYTHONPATH=$meson_root/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
stage "qemu-dev: build $QT"
if [ ! -f "$obj/build.ninja" ]; then
	mkdir -p "$obj"
	(cd "$obj" && run_logged "$LOGS/qemu-dev-configure.log" env PYTHON=$PY "$QT/configure" \
		--python=$PY --target-list=x86_64-softmmu --without-default-features \
		--disable-docs --disable-werror --disable-download --disable-install-blobs --enable-tcg)
fi
run_logged "$LOGS/qemu-dev-build.log" ninja -C "$obj" -j"$(nproc)" qemu-system-x86_64
mkdir -p "$BUILD/qemu-dev"
cp "$obj/qemu-system-x86_64" "$BUILD/qemu-dev/"
stage_end
