#!/bin/bash
# `make qemu`: the rig's QEMU (cached by content; see lib/steps/build-qemu.sh).
. "$(dirname "$0")/../lib/common.sh"

"$TOP/lib/steps/deps.sh"
"$TOP/lib/steps/build-qemu.sh"
