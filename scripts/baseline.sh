#!/bin/bash
# `make baseline`: build the UNPATCHED base with the rig's debug config in build/baseline,
# boot it in the default rig configuration and list the kernel splats it produces, with
# their signatures: the only candidates for tests/splat-allowlist.txt.
export BUILD SERIES_NONE=1
BUILD=$(cd "$(dirname "$0")/.." && pwd)/build/baseline
. "$(dirname "$0")/../lib/common.sh"

build_rig
step "rig: boot 'default' (unpatched base)"
harness boot default
step_end
step "baseline: splats of the unpatched base"
harness judge-boot default > /dev/null 2>&1 || true
$PY -c "
import json
s = json.load(open('$LOGS/default.json'))['splats']
print('    no splats' if not s else '\n'.join('    splat: ' + sig for sig in s))
"
step_end
