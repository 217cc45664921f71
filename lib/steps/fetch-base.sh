#!/bin/bash
# Make the base of the series available as a one-commit bare git repo in the cache and print
# its commit id. The base is Debian's linux-source-6.12 at the version pinned in
# inputs/versions (falling back, loudly, to the newest 6.12.* only), or the user's own
# 6.12.y tree given as BASE_TREE=/path/to/linux. BASE_VERSION=<version> fetches another
# linux-source-6.12 (make check-bases), with no fallback.
. "$(dirname "$0")/../common.sh"

# Fixed identity and dates make the base commit id a pure function of the source.
export GIT_AUTHOR_NAME="Debian linux-source" GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="1970-01-01T00:00:00Z" GIT_COMMITTER_DATE="1970-01-01T00:00:00Z"

import_dir() {	# import_dir SRC REPO MESSAGE
	local src=$1 repo=$2 message=$3
	rm -rf "$repo.tmp"
	git init -q --bare "$repo.tmp"
	GIT_DIR=$repo.tmp GIT_WORK_TREE=$src git add -A -f .
	GIT_DIR=$repo.tmp GIT_WORK_TREE=$src git commit -q -m "$message"
	rm -rf "$repo" && mv "$repo.tmp" "$repo"
}

if [ -n "${BASE_TREE:-}" ]; then
	[ -f "$BASE_TREE/Makefile" ] && grep -q '^VERSION = 6' "$BASE_TREE/Makefile" &&
		grep -q '^PATCHLEVEL = 12$' "$BASE_TREE/Makefile" ||
		die "BASE_TREE=$BASE_TREE is not a Linux 6.12.y tree"
	key=$(printf '%s\n' "$(realpath "$BASE_TREE")" | sha256sum | cut -c1-16)
	repo=$CACHE/base/user-$key.git
	if [ -d "$BASE_TREE/.git" ] && [ -z "$(git -C "$BASE_TREE" status --porcelain -uno)" ]; then
		# A clean git tree: its HEAD is the base, as is.
		rm -rf "$repo" && git clone -q --bare "$BASE_TREE" "$repo" >&2
		git -C "$repo" rev-parse HEAD
		exit 0
	fi
	step "base: import $BASE_TREE" >&2
	import_dir "$BASE_TREE" "$repo" "Base: $(make -s -C "$BASE_TREE" kernelversion) from $BASE_TREE" >&2
	step_end >&2
	git -C "$repo" rev-parse HEAD
	exit 0
fi

ver=${BASE_VERSION:-$LINUX_SOURCE_VERSION}	# BASE_VERSION: another 6.12.* (make check-bases)
repo=$CACHE/base/linux-source-$ver.git
if [ ! -d "$repo" ]; then
	dl=$CACHE/dl
	mkdir -p "$dl"
	deb=$dl/linux-source-6.12_${ver}_all.deb
	if [ ! -s "$deb" ]; then
		step "base: download linux-source-6.12 $ver" >&2
		if [ -n "${BASE_VERSION:-}" ]; then
			apt_priv_update
			(cd "$dl" && { apt-get download -q "linux-source-6.12=$ver" ||
				apt_priv download -q "linux-source-6.12=$ver"; }) > "$LOGS/base-fetch.log" 2>&1 ||
				die "cannot download linux-source-6.12 $ver (see $LOGS/base-fetch.log)"
		elif ! (cd "$dl" && apt-get download -q "linux-source-6.12=$ver") > "$LOGS/base-fetch.log" 2>&1; then
			# Fall back to the newest 6.12.* only: 7.x contains another implementation.
			new=$(apt-cache madison linux-source-6.12 | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
				grep '^6\.12\.' | sort -V | tail -n1)
			[ -n "$new" ] || die "no linux-source-6.12 package is served (see $LOGS/base-fetch.log)"
			warn "linux-source-6.12 $ver (pinned in inputs/versions) is not served; FALLING BACK to $new"
			ver=$new
			repo=$CACHE/base/linux-source-$ver.git
			deb=$dl/linux-source-6.12_${ver}_all.deb
			(cd "$dl" && apt-get download -q "linux-source-6.12=$ver") >> "$LOGS/base-fetch.log" 2>&1 ||
				die "cannot download linux-source-6.12 $ver (see $LOGS/base-fetch.log)"
		fi
		step_end >&2
	fi
	if [ ! -d "$repo" ]; then
		step "base: import linux-source-6.12 $ver" >&2
		tmp=$BUILD/base-import
		rm -rf "$tmp" && mkdir -p "$tmp"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-6.12.tar.*'
		tar -x -C "$tmp" -f "$tmp"/usr/src/linux-source-6.12.tar.*
		import_dir "$tmp/linux-source-6.12" "$repo" "Debian linux-source-6.12 $ver" >&2
		rm -rf "$tmp"
		step_end >&2
	fi
fi
echo "$ver" > "$repo/base-version"
git -C "$repo" rev-parse HEAD
