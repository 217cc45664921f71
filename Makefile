# Mediated vPMU for x86 KVM on Linux 6.12: the series, its build and its test rig.
# `make` runs the main job (build, boot, run a guest, summary); `make check` runs every test.
# See README.md. Variables: COLD=1 (ignore the machine cache), BASE_TREE=/path/to/linux
# (your own 6.12.y tree as the base), FORCE=1 (let `make tree` discard unexported work),
# CONFIG=<rig configuration>, TESTS="a b", DRY_RUN=1, QEMU=dev.
# One entry point per target in scripts/; the library they share is lib/.

S := scripts
export CONFIG TESTS DRY_RUN QEMU FORCE COLD BASE_TREE CACHE SEED COUNT VARIANTS N P W

.PHONY: all check judge shell boot tree export checkpatch bisect-check check-bases qemu \
	qemu-tree qemu-export qemu-dev stage0 qemu-checkpatch kernel baseline fuzz build-variants bench \
	clean help

all:
	@$(S)/main.sh

check:
	@$(S)/check.sh

# Re-judge the saved logs of the last `make check` (nothing re-run).
judge:
	@$(S)/judge.sh

# Boot CONFIG (default pmu) with a shell on the console after KVM is loaded.
shell:
	@$(S)/shell.sh

# Boot CONFIG (default default); TESTS="a b" runs only those selftests; DRY_RUN=1 prints
# the QEMU command line and the plan.
boot:
	@$(S)/boot.sh

tree:
	@$(S)/tree.sh

export:
	@$(S)/export.sh

checkpatch:
	@$(S)/checkpatch.sh

bisect-check:
	@$(S)/bisect-check.sh

# Does the series apply to the oldest and the newest linux-source-6.12 served? (downloads)
check-bases:
	@$(S)/check-bases.sh

qemu:
	@$(S)/qemu.sh

qemu-tree:
	@$(S)/qemu-tree.sh

qemu-export:
	@$(S)/qemu-export.sh

# Incremental build of build/qemu-tree (the QEMU patch loop) into build/qemu-dev/.
qemu-dev:
	@$(S)/qemu-dev.sh

# Stage 0: the PMU model against hand-computed counts. QEMU=dev: the qemu-dev build.
stage0:
	@$(S)/stage0.sh

qemu-checkpatch:
	@$(S)/qemu-checkpatch.sh

kernel:
	@$(S)/kernel.sh

# The differential PMU MSR fuzz at length (rig configuration "fuzz"): SEED=N (default
# random, printed), COUNT=N accesses per vPMU (default 200000).
fuzz:
	@$(S)/fuzz.sh

baseline:
	@$(S)/baseline.sh

# The benchmark's attribution rows (bench/results.md): N= accesses per row, P= PMIs.
bench:
	@$(S)/bench.sh

# The series built as distributions configure KVM and perf (kconfig/variants/); VARIANTS="a b".
build-variants:
	@$(S)/build-variants.sh

clean:
	rm -rf build/obj build/initramfs* build/logs build/qemu build/rig build/results build/variants

help:
	@sed -n '1,6p' Makefile
	@grep -E '^[a-z0-9-]+:' Makefile | cut -d: -f1 | tr '\n' ' '; echo
