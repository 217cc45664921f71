#!/bin/bash
# `make qemu-tree`: build/qemu-tree, a git tree of the rig's QEMU source (Debian's package
# unpacked with its patches = the base commit) plus one commit per patch of
# rig/qemu-patches/. Like `make tree`, it never discards unexported commits.
. "$(dirname "$0")/../lib/common.sh"

QT=$BUILD/qemu-tree
QPATCHES=$TOP/rig/qemu-patches
qgit() { GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$QT" "$@"; }
mapfile -t qpatches < <(find "$QPATCHES" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' 2>/dev/null | LC_ALL=C sort)

if [ -d "$QT/.git" ]; then
	[ "$(qgit rev-parse HEAD)" = "$(cat "$QT/.git/exported-head" 2>/dev/null)" ] &&
		[ -z "$(qgit status --porcelain)" ] ||
		[ "${FORCE:-0}" = 1 ] ||
		die "$QT holds work not exported to rig/qemu-patches/: run 'make qemu-export', or FORCE=1 to discard it"
	rm -rf "$QT"
fi
"$TOP/lib/steps/build-qemu.sh"	# fetches and unpacks the source (cached)
ver=$(qemu_version)
step "qemu-tree: create $QT ($ver)"
dsc=$(ls "$CACHE"/dl/qemu/qemu_"${ver#*:}".dsc)
run_logged "$LOGS/qemu-tree-unpack.log" dpkg-source --no-check -x "$dsc" "$QT"
mapfile -t ne < <(name_email)
qgit init -q
qgit config user.name "${ne[0]}"
qgit config user.email "${ne[1]}"
qgit add -A -f .
GIT_AUTHOR_DATE=1970-01-01T00:00:00Z GIT_COMMITTER_DATE=1970-01-01T00:00:00Z \
	qgit commit -q -m "Debian qemu $ver (with Debian's patches)"
qgit tag -f base > /dev/null
[ ${#qpatches[@]} -eq 0 ] || qgit am -q --committer-date-is-author-date "${qpatches[@]}" ||
	die "a rig QEMU patch does not apply (see 'git -C $QT am --show-current-patch')"
qgit rev-parse HEAD > "$QT/.git/exported-head"
msg "${#qpatches[@]} patches applied"
step_end
