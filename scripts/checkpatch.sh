#!/bin/bash
# `make checkpatch`: checkpatch.pl --strict (the base tree's) on every patch of the series
# but the cover letter, judged against tests/checkpatch-waivers.txt by the one waiver
# checker (lib/harness/waivers.py). One verdict line per patch and per stale waiver.
. "$(dirname "$0")/../lib/common.sh"

"$TOP/scripts/tree.sh" > /dev/null
cp=$KTREE/scripts/checkpatch.pl
[ -x "$cp" ] || die "no $cp: run 'make tree' first"
mapfile -t patches < <(series_patches)
for p in "${patches[@]}"; do
	(cd "$KTREE" && "$cp" --strict --show-types --no-summary --terse "$p") \
		> "$LOGS/checkpatch-$(basename "$p").log" 2>&1 || true
done
harness waivers kernel "$TOP/tests/checkpatch-waivers.txt" "$LOGS" "${patches[@]}"
