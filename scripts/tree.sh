#!/bin/bash
# `make tree`: make $BUILD/linux a git tree holding the base commit plus one commit per patch
# of patches/. Never destroys work: a tree holding commits or changes that are not in
# patches/ is not reset (FORCE=1 discards them). Re-applies only the patches whose content
# changed, so that unchanged files keep their mtimes and the build stays incremental.
# With --check (used by `make check`), a tree with unexported work is an error: the check
# must test the series as it is committed.
. "$(dirname "$0")/../lib/common.sh"

mode=${1:-tree}
"$TOP/lib/steps/deps.sh"
base=$("$TOP/lib/steps/fetch-base.sh")
repo=$(base_repo "$base")
mapfile -t patches < <(series_patches)

am() {	# am PATCH...: apply with authorship, dates and messages preserved
	[ $# -gt 0 ] || return 0
	if ! kgit am -q --committer-date-is-author-date "$@" > "$LOGS/git-am.log" 2>&1; then
		cat "$LOGS/git-am.log" >&2
		kgit am --abort > /dev/null 2>&1 || true
		die "patch $(kgit am --show-current-patch=raw 2>/dev/null | sed -n 's/^Subject: //p' | head -n1) does not apply: see $LOGS/git-am.log"
	fi
}

configure_tree() {
	local ne
	mapfile -t ne < <(name_email)
	kgit config user.name "${ne[0]}"
	kgit config user.email "${ne[1]}"
	kgit config core.abbrev 12
}

same_patch() {	# same content, whatever the [PATCH i/N] numbering
	cmp -s <(sed -E '1,/^$/s/^Subject: \[PATCH( v[0-9]+)? [0-9]+\/[0-9]+\]/Subject: [PATCH]/' "$1") \
		<(sed -E '1,/^$/s/^Subject: \[PATCH( v[0-9]+)? [0-9]+\/[0-9]+\]/Subject: [PATCH]/' "$2")
}

if [ ! -d "$KTREE/.git" ]; then
	step "tree: create $KTREE"
	git clone -q --no-checkout "$repo" "$KTREE"
	kgit checkout -q -B series "$base"
	configure_tree
	msg "applying ${#patches[@]} patches"
	am "${patches[@]}"
	save_tree_state "$base"
	step_end
	exit 0
fi

configure_tree
why=$(tree_unexported)
if [ "$(tree_state base)" = "$base" ] && [ "$(tree_state series)" = "$(series_hash)" ]; then
	if [ -n "$why" ]; then
		[ "$mode" = --check ] &&
			die "the kernel tree $KTREE holds work not exported to patches/ ($why): run 'make export' (and commit), or 'make tree FORCE=1' to discard it"
		msg "tree up to date with patches/; it also holds unexported work ($why)"
	else
		msg "tree up to date with patches/ (${#patches[@]} patches)"
	fi
	exit 0
fi

if [ -n "$why" ] && [ "${FORCE:-0}" != 1 ]; then
	die "patches/ changed, but the kernel tree $KTREE holds work not exported to patches/ ($why). Run 'make export' to keep it, or 'make tree FORCE=1' to discard it."
fi

step "tree: re-apply the series"
kgit am --abort > /dev/null 2>&1 || true
if [ "$(tree_state base)" != "$base" ]; then
	msg "new base $base"
	kgit fetch -q "$repo" "$base"
	kgit reset -q --hard "$base"
	kgit clean -qfdx
	am "${patches[@]}"
else
	# Keep the longest prefix of commits whose patches are unchanged.
	tmp=$(mktemp -d)
	format_series "$tmp"
	mapfile -t have < <(find "$tmp" -name '*.patch' | LC_ALL=C sort)
	mapfile -t commits < <(kgit rev-list --reverse "$base..HEAD")
	k=0
	while [ $k -lt ${#have[@]} ] && [ $k -lt ${#patches[@]} ] &&
		same_patch "${have[$k]}" "${patches[$k]}"; do
		k=$((k + 1))
	done
	rm -rf "$tmp"
	if [ $k -eq 0 ]; then keep=$base; else keep=${commits[$((k - 1))]}; fi
	msg "keeping $k commits, applying $(( ${#patches[@]} - k ))"
	kgit reset -q --hard "$keep"
	kgit clean -qfd
	am "${patches[@]:$k}"
fi
save_tree_state "$base"
step_end
