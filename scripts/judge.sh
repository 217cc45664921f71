#!/bin/bash
# `make judge [CONFIG=...]`: judge the saved logs of the last `make check` again, without
# re-running anything, and print its report (like `kunit.py parse`). With CONFIG, only that
# configuration's boot is re-judged.
. "$(dirname "$0")/../lib/common.sh"

harness judge ${CONFIG:+"$CONFIG"}
