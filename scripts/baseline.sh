#!/bin/bash
# `make baseline`: build the UNPATCHED base with the rig's debug config in build/baseline,
# boot it in the default rig configuration and list the kernel splats it produces, with
# their signatures: the only candidates for tests/splat-allowlist.txt.
export BUILD SERIES_NONE=1
BUILD=$(cd "$(dirname "$0")/.." && pwd)/build/baseline
. "$(dirname "$0")/lib.sh"

build_rig
"$TOP/scripts/boot.sh" default
stage "baseline: splats of the unpatched base"
$PY -c "
import sys; sys.path.insert(0, '$TOP/scripts'); import results
lines = [results.strip_ts(l) for l in open('$LOGS/default.console.log', errors='replace')]
s = results.find_splats(lines)
print('    no splats' if not s else '\n'.join('    splat: ' + sig for sig, _ in s))
"
stage_end
