#!/bin/bash
# `make qemu-checkpatch`: QEMU's own scripts/checkpatch.pl (from the QEMU source the rig
# builds) on every patch of rig/qemu-patches/, judged against
# tests/qemu-checkpatch-waivers.txt by the one waiver checker (lib/harness/waivers.py).
# One verdict line per patch and per stale waiver.
. "$(dirname "$0")/../lib/common.sh"

ver=$(qemu_version)
up=${ver#*:}
up=${up%-*}
cp=$CACHE/qemu-checkpatch/$up/scripts/checkpatch.pl
if [ ! -f "$cp" ]; then
	orig=$(ls "$CACHE"/dl/qemu/qemu_"$up".orig.tar.* 2>/dev/null | head -n 1)
	[ -n "$orig" ] || die "no QEMU $up source in $CACHE/dl/qemu: run 'make qemu' first"
	mkdir -p "$CACHE/qemu-checkpatch/$up"
	# checkpatch.pl wants to run at the top of a QEMU tree: these files say it is one.
	tar -xf "$orig" -C "$CACHE/qemu-checkpatch/$up" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/COPYING' '*/MAINTAINERS' '*/Makefile' \
		'*/README.rst' '*/VERSION'
	mkdir -p "$CACHE/qemu-checkpatch/$up/"{docs,linux-user,system}
fi
mapfile -t patches < <(find "$TOP/rig/qemu-patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' | LC_ALL=C sort)
for p in "${patches[@]}"; do
	(cd "$CACHE/qemu-checkpatch/$up" && perl "$cp" --no-color "$p") \
		> "$LOGS/qemu-checkpatch-$(basename "$p").log" 2>&1 || true
done
harness waivers qemu "$TOP/tests/qemu-checkpatch-waivers.txt" "$LOGS" "${patches[@]}"
