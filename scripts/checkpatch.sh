#!/bin/bash
# checkpatch.pl --strict (the base tree's) on every patch of the series but the cover letter.
# Errors fail. A warning or check passes only with a justification in
# tests/checkpatch-waivers.txt keyed by patch and type; a waiver that matches nothing fails.
# Prints one result line per patch (and one per stale waiver).
. "$(dirname "$0")/lib.sh"

waivers=$TOP/tests/checkpatch-waivers.txt
cp=$KTREE/scripts/checkpatch.pl
[ -x "$cp" ] || die "no $cp: run 'make tree' first"
used=$(mktemp)
trap 'rm -f "$used"' EXIT
rc=0
while read -r p; do
	name=$(basename "$p")
	log=$LOGS/checkpatch-$name.log
	(cd "$KTREE" && "$cp" --strict --show-types --no-summary --terse "$p") > "$log" 2>&1 || true
	bad=()
	while IFS= read -r line; do
		type=$(grep -oE '(ERROR|WARNING|CHECK):[A-Z0-9_]+' <<< "$line" | head -n1 || true)
		[ -n "$type" ] || continue
		if [ "${type%%:*}" != ERROR ] &&
			w=$(awk -v p="$name" -v t="${type#*:}" '$1 == p && $2 == t' "$waivers") && [ -n "$w" ]; then
			echo "$name ${type#*:}" >> "$used"
			continue
		fi
		bad+=("$line")
	done < "$log"
	if [ ${#bad[@]} -eq 0 ]; then
		echo "ok checkpatch:$name"
	else
		printf '%s\n' "${bad[@]}" | sed "s|^|    |" >&2
		echo "not ok checkpatch:$name # ${#bad[@]} unjustified problem(s): ${bad[0]}"
		rc=1
	fi
done < <(series_patches)
# Stale waivers: an entry that no longer matches anything fails.
while read -r p t _; do
	grep -qxF "$p $t" "$used" || {
		echo "not ok checkpatch-waiver:$p:$t # stale entry in tests/checkpatch-waivers.txt: remove it"
		rc=1; }
done < <(sed -e 's/#.*//' -e '/^\s*$/d' "$waivers")
exit $rc
