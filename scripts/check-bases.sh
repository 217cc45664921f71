#!/bin/bash
# `make check-bases`: does the series apply (git am) to the oldest and the newest
# linux-source-6.12 that the Debian registry serves? Distro kernel engineers carry the series
# across point releases. Downloads each base once (cached like the pinned one); not part of
# `make check`. Prints one line per base and writes them to $BUILD/check-bases.txt (quoted
# in the cover letter).
. "$(dirname "$0")/../lib/common.sh"

"$TOP/lib/steps/deps.sh"
apt_priv_update
# The binary package's versions, from the system's sources and the private ones (trixie, sid).
mapfile -t served < <({ apt-cache madison linux-source-6.12; apt_priv_cache madison linux-source-6.12; } 2>/dev/null |
	awk -F'|' '{gsub(/ /, "", $1); gsub(/ /, "", $2)} $1 == "linux-source-6.12" && $3 ~ /Packages/ {print $2}' |
	grep '^6\.12\.' | sort -uV)
[ ${#served[@]} -gt 0 ] || die "the registry serves no linux-source-6.12"
bases=("${served[0]}")
[ ${#served[@]} -eq 1 ] || bases+=("${served[-1]}")
mapfile -t patches < <(series_patches)
out=$BUILD/check-bases.txt
: > "$out"
for v in "${bases[@]}"; do
	step "check-bases: linux-source-6.12 $v"
	commit=$(BASE_VERSION=$v "$TOP/lib/steps/fetch-base.sh")
	wt=$BUILD/bases/$v
	rm -rf "$wt"
	git clone -q --no-checkout "$CACHE/base/linux-source-$v.git" "$wt"
	g() { GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$wt" "$@"; }
	g checkout -q -B series "$commit"
	mapfile -t ne < <(name_email)
	g config user.name "${ne[0]}"
	g config user.email "${ne[1]}"
	if g am -q --committer-date-is-author-date "${patches[@]}" > "$LOGS/check-bases-$v.log" 2>&1; then
		line="linux-source-6.12 $v: all ${#patches[@]} patches apply (git am)"
	else
		failed=$(sed -n 's/^Patch failed at //p' "$LOGS/check-bases-$v.log" | head -n1)
		where=$(sed -n 's/^error: patch failed: //p' "$LOGS/check-bases-$v.log" | head -n1)
		line="linux-source-6.12 $v: does NOT apply: patch $failed (at $where; see $LOGS/check-bases-$v.log)"
		g am --abort > /dev/null 2>&1 || true
	fi
	echo "$line" | tee -a "$out"
	rm -rf "$wt"
	step_end
done
msg "results in $out"
