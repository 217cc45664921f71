#!/bin/bash
# Build the Stage 0 test image (tests/stage0/: a freestanding x86-64 multiboot image that
# proves the rig QEMU's PMU model against hand-computed counts). Cached by content.
. "$(dirname "$0")/../common.sh"

src=$TOP/tests/stage0
out=$BUILD/stage0
key=$(hash_of "$src/boot.S" "$src/stage0.c" "$src/stage0.h" "$src/stage0.ld" "$0")
[ -f "$out/stage0.bin" ] && [ "$(cat "$out/key" 2>/dev/null)" = "$key" ] && exit 0
step "stage0: build the test image"
mkdir -p "$out"
run_logged "$LOGS/stage0-build.log" gcc -m64 -O2 -std=gnu11 -ffreestanding -fno-builtin \
	-fno-pic -fno-pie -no-pie -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -Wall -Wextra -Werror -nostdlib -static \
	-Wl,--build-id=none -Wl,--no-warn-rwx-segments -T "$src/stage0.ld" \
	-o "$out/stage0.elf" "$src/boot.S" "$src/stage0.c"
objcopy -O binary "$out/stage0.elf" "$out/stage0.bin"
echo "$key" > "$out/key"
step_end
