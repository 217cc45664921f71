#!/bin/bash
# `make qemu-export`: write build/qemu-tree's commits (base..HEAD) to rig/qemu-patches/,
# deterministically, like `make export` does for the kernel series.
. "$(dirname "$0")/../lib/common.sh"

QT=$BUILD/qemu-tree
qgit() { GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$QT" "$@"; }
[ -d "$QT/.git" ] || die "no $QT: run 'make qemu-tree' first"
[ -z "$(qgit status --porcelain -uno)" ] || die "$QT has uncommitted changes: commit them first"
mkdir -p "$TOP/rig/qemu-patches"
find "$TOP/rig/qemu-patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' -delete
qgit format-patch -q --zero-commit --no-signature --numbered --subject-prefix=PATCH \
	--stat=72 -o "$TOP/rig/qemu-patches" base..HEAD
# No patches, no directory: the QEMU build key must not change for an empty one.
rmdir --ignore-fail-on-non-empty "$TOP/rig/qemu-patches"
qgit rev-parse HEAD > "$QT/.git/exported-head"
msg "exported $(qgit rev-list --count base..HEAD) patches to rig/qemu-patches/"
