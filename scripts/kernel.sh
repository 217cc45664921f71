#!/bin/bash
# `make kernel`: the tree (base + patches/) and the kernel build, incrementally.
. "$(dirname "$0")/../lib/common.sh"

"$TOP/scripts/tree.sh"
"$TOP/lib/steps/build-kernel.sh"
