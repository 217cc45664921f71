#!/bin/bash
# QEMU's own scripts/checkpatch.pl (from the pinned QEMU source) on every patch of
# rig/qemu-patches/. Errors fail. A warning passes only with a justification in
# tests/qemu-checkpatch-waivers.txt keyed by patch and warning text; a waiver that
# matches nothing fails. One result line per patch (and per stale waiver).
. "$(dirname "$0")/lib.sh"

waivers=$TOP/tests/qemu-checkpatch-waivers.txt
ver=$(cat "$BUILD/qemu-version" 2>/dev/null || echo "$QEMU_VERSION")
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
used=$(mktemp)
trap 'rm -f "$used"' EXIT
rc=0
for p in "$TOP"/rig/qemu-patches/[0-9][0-9][0-9][0-9]-*.patch; do
	[ -e "$p" ] || continue
	name=$(basename "$p")
	log=$LOGS/qemu-checkpatch-$name.log
	(cd "$CACHE/qemu-checkpatch/$up" && perl "$cp" --no-color "$p") > "$log" 2>&1 || true
	bad=()
	while IFS= read -r line; do
		case $line in ERROR:*|WARNING:*) ;; *) continue ;; esac
		text=${line#*: }
		if [ "${line%%:*}" = WARNING ] &&
			awk -F' [|] ' -v p="$name" -v t="$text" '$1 == p && $2 == t {f=1} END {exit !f}' \
				"$waivers"; then
			printf '%s | %s\n' "$name" "$text" >> "$used"
			continue
		fi
		bad+=("$line")
	done < "$log"
	if [ ${#bad[@]} -eq 0 ]; then
		echo "ok qemu-checkpatch:$name"
	else
		printf '%s\n' "${bad[@]}" | sed "s|^|    |" >&2
		echo "not ok qemu-checkpatch:$name # ${#bad[@]} unjustified problem(s): ${bad[0]} (see $log)"
		rc=1
	fi
done
while IFS= read -r w; do
	key=$(awk -F' [|] ' '{print $1 " | " $2}' <<< "$w")
	grep -qxF "$key" "$used" || {
		echo "not ok qemu-checkpatch-waiver:${key%% |*} # stale entry in tests/qemu-checkpatch-waivers.txt: $key"
		rc=1; }
done < <(sed -e '/^\s*#/d' -e '/^\s*$/d' "$waivers")
exit $rc
