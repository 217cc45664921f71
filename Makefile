# Mediated vPMU for x86 KVM on Linux 6.12: the series, its build and its test rig.
# `make` runs the main job (build, boot, run a guest, summary); `make check` runs every test.
# See README.md. Variables: COLD=1 (ignore the machine cache), BASE_TREE=/path/to/linux
# (your own 6.12.y tree as the base), FORCE=1 (let `make tree` discard unexported work).

S := scripts

.PHONY: all check tree export checkpatch bisect-check qemu qemu-tree qemu-export qemu-dev stage0 qemu-checkpatch kernel boot baseline clean help

all:
	@$(S)/main.sh

check:
	@$(S)/check.sh

tree:
	@$(S)/deps.sh && $(S)/tree.sh

export:
	@$(S)/export.sh

checkpatch:
	@$(S)/tree.sh >/dev/null && $(S)/checkpatch.sh

bisect-check:
	@$(S)/bisect-check.sh

qemu:
	@$(S)/deps.sh && $(S)/build-qemu.sh

qemu-tree:
	@$(S)/deps.sh && $(S)/qemu-tree.sh

qemu-export:
	@$(S)/qemu-export.sh

# Incremental build of build/qemu-tree (the QEMU patch loop) into build/qemu-dev/.
qemu-dev:
	@$(S)/qemu-dev.sh

# Stage 0: the PMU model against hand-computed counts. QEMU=dev: the qemu-dev build.
stage0:
	@$(S)/deps.sh && $(if $(filter dev,$(QEMU)),,$(S)/build-qemu.sh &&) $(S)/build-stage0.sh && $(S)/stage0.sh

qemu-checkpatch:
	@$(S)/qemu-checkpatch.sh

kernel:
	@$(S)/tree.sh && $(S)/build-kernel.sh

boot: kernel qemu
	@$(S)/build-selftests.sh && $(S)/mkinitramfs.sh && $(S)/boot.sh $(or $(CONFIG),default) $(TESTS)

baseline:
	@$(S)/baseline.sh

clean:
	rm -rf build/obj build/initramfs* build/logs build/qemu

help:
	@sed -n '1,5p' Makefile
	@grep -E '^[a-z0-9-]+:' Makefile | cut -d: -f1 | tr '\n' ' '; echo
