#!/bin/bash
# `make shell [CONFIG=pmu]`: boot a rig configuration with an interactive shell on the
# console once its main phase has loaded KVM (the developer's inner loop; the selftests are
# in /tests, the rig programs too, e.g. `perf_exact`). `poweroff -f` or Ctrl-A X ends it.
. "$(dirname "$0")/../lib/common.sh"
export RIG_LOGS=$LOGS/adhoc	# keep the last `make check`'s logs for `make judge`

cfg=${CONFIG:-pmu}
build_rig
harness boot "$cfg" --tests= --shell
