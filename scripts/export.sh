#!/bin/bash
# `make export`: write the kernel tree's commits back to patches/, deterministically (stable
# names, no commit ids, dates or tool versions that change by themselves), keeping the
# hand-written part of the cover letter and regenerating its patch list and diffstat.
. "$(dirname "$0")/../lib/common.sh"

[ -d "$KTREE/.git" ] || die "no kernel tree at $KTREE: run 'make tree' first"
[ ! -d "$KTREE/.git/rebase-apply" ] || die "a 'git am' is in progress in $KTREE: finish or abort it"
[ -z "$(kgit status --porcelain -uno)" ] ||
	die "the kernel tree $KTREE has uncommitted changes: commit them (git commit -s) first"
base=$(tree_state base)
[ -n "$base" ] || die "the kernel tree has no recorded base: recreate it with 'make tree'"

# One identity for the whole series: author and Signed-off-by of every commit.
bad=0
while read -r c; do
	subj=$(kgit log -1 --format=%s "$c")
	if [ "$(kgit log -1 --format='%an <%ae>' "$c")" != "$SERIES_IDENTITY" ]; then
		echo "commit '$subj': author is not $SERIES_IDENTITY (inputs/identity)" >&2
		bad=1
	fi
	if ! kgit log -1 --format=%B "$c" | grep -qxF "Signed-off-by: $SERIES_IDENTITY"; then
		echo "commit '$subj': no 'Signed-off-by: $SERIES_IDENTITY'" >&2
		bad=1
	fi
done < <(kgit rev-list --reverse "$base..HEAD")
[ $bad = 0 ] || die "fix the commits (git commit --amend --reset-author -s), then export again"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
format_series "$tmp"
n=$(find "$tmp" -name '*.patch' | wc -l)

# The cover letter: keep its title and hand-written body (everything up to the generated
# shortlog, which starts at the "<author> (N):" line), regenerate the rest.
cover=$TOP/patches/0000-cover-letter.patch
name=$(name_email | head -n1)
title="Mediated vPMU for x86 KVM"
body=""
if [ -f "$cover" ]; then
	title=$(sed -n 's/^Subject: \[PATCH[^]]*\] //p' "$cover" | head -n1)
	body=$(awk -v stop="^$name \\\\([0-9]+\\\\):\$" '
		hdr && /^$/ { hdr = 0; next }
		NR == 1 { hdr = 1 }
		hdr { next }
		$0 ~ stop { exit }
		{ print }' "$cover")
fi
width=${#n}
[ "$width" -ge 2 ] || width=1
last_date=$(kgit log -1 --format=%aD HEAD)
{
	echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
	echo "From: $SERIES_IDENTITY"
	echo "Date: $last_date"
	printf 'Subject: [%s %0*d/%d] %s\n\n' "$(subject_prefix)" "$width" 0 "$n" "$title"
	printf '%s\n' "$body" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
	echo
	kgit shortlog "$base..HEAD"
	kgit diff --stat=72 "$base..HEAD"
	echo
} > "$tmp/cover"

find "$TOP/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-cover-letter.patch' -delete
cp "$tmp"/0*.patch "$TOP/patches/" 2>/dev/null || true
if ! cmp -s "$tmp/cover" "$cover"; then cp "$tmp/cover" "$cover"; fi
save_tree_state "$base"
msg "exported $n patches to patches/"
