/*
 * Stage 0 of the rig's PMU proof: a freestanding x86-64 test image, booted by
 * QEMU's multiboot loader (-kernel, a.out kludge), no Linux.
 *
 * This file holds what must be exact to the instruction: the boot path into
 * long mode, the IDT stubs, and the measured windows, whose instruction and
 * branch counts the C side (stage0.c) states by hand.
 */
#include "stage0.h"

	.section .multiboot, "a"
	.align 4
mb_header:
	.long 0x1badb002			/* magic */
	.long 0x00010000			/* flags: the address fields are valid */
	.long -(0x1badb002 + 0x00010000)	/* checksum */
	.long mb_header				/* header_addr */
	.long __load_start			/* load_addr */
	.long __load_end			/* load_end_addr */
	.long __bss_end				/* bss_end_addr */
	.long entry32				/* entry_addr */

	.section .boot32, "ax"
	.code32
	.globl entry32
entry32:
	cli
	mov	%ebx, mb_info			/* multiboot information */
	mov	$boot_stack_top, %esp
	/* Identity-map 0-4 GiB with 2 MiB pages, user-accessible. */
	mov	$pd, %edi
	xor	%eax, %eax
	mov	$0x87, %ebx			/* P | RW | US | PS */
1:	mov	%ebx, (%edi)
	movl	$0, 4(%edi)
	add	$0x200000, %ebx
	add	$8, %edi
	inc	%eax
	cmp	$2048, %eax
	jne	1b
	mov	$pdpt, %edi
	mov	$pd + 0x7, %eax
	mov	%eax, 0(%edi)
	add	$0x1000, %eax
	mov	%eax, 8(%edi)
	add	$0x1000, %eax
	mov	%eax, 16(%edi)
	add	$0x1000, %eax
	mov	%eax, 24(%edi)
	movl	$pdpt + 0x7, pml4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$0x620, %eax			/* PAE | OSFXSR | OSXMMEXCPT */
	mov	%eax, %cr4
	mov	$0xc0000080, %ecx		/* EFER.LME | SCE */
	rdmsr
	or	$0x101, %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80000001, %eax		/* PG | PE */
	mov	%eax, %cr0
	lgdt	gdt_desc
	ljmp	$KERNEL_CS, $entry64

	.text
	.code64
entry64:
	mov	$KERNEL_DS, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$boot_stack_top, %rsp
	call	setup_tss_idt
	mov	$TSS_SEL, %ax
	ltr	%ax
	lidt	idt_desc(%rip)
	mov	mb_info(%rip), %edi
	call	stage0_main
	/* isa-debug-exit: QEMU exits with (code << 1) | 1 */
	mov	%eax, %edx
	mov	$0xf4, %dx
	out	%eax, %dx
2:	hlt
	jmp	2b

/* Generic exception and interrupt stubs: push a dummy error code if the CPU
 * pushes none, then the vector, then the registers, call stage0_trap(frame). */
	.macro stub vec
	.align 16
stub_\vec:
	.if (\vec != 8) && (\vec != 10) && (\vec != 11) && (\vec != 12) && (\vec != 13) && (\vec != 14) && (\vec != 17) && (\vec != 21) && (\vec != 29) && (\vec != 30)
	push	$0
	.endif
	push	$\vec
	jmp	trap_common
	.endm

	.align 16
trap_stubs:
	.altmacro
	.set vec, 0
	.rept 256
	stub %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

trap_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rbx
	push	%rbp
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	stage0_trap
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rbp
	pop	%rbx
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp
	iretq

/* Address of the generic stub of vector rdi (each stub is 16 bytes). */
	.globl trap_stub_addr
trap_stub_addr:
	lea	trap_stubs(%rip), %rax
	shl	$4, %rdi
	add	%rdi, %rax
	ret

/*
 * Handlers with a fixed instruction count, for the windows that take an
 * interrupt.  PMI, fixed vector: 8 instructions, iretq included.
 */
	.globl pmi_fixed_handler
pmi_fixed_handler:
	push	%rax
	mov	8(%rsp), %rax
	mov	%rax, pmi_rip(%rip)
	incl	pmi_count(%rip)
	mov	$0xfee000b0, %eax
	movl	$0, (%rax)			/* EOI */
	pop	%rax
	iretq

/* PMI as NMI: 6 instructions, iretq included. */
	.globl pmi_nmi_handler
pmi_nmi_handler:
	push	%rax
	mov	8(%rsp), %rax
	mov	%rax, nmi_rip(%rip)
	incl	nmi_count(%rip)
	pop	%rax
	iretq

/* INT 0x80: just return. */
	.globl int80_handler
int80_handler:
	iretq

/*
 * Measured windows.  The counters are programmed with PerfCntrGlobalCtl = 0;
 * each window opens with WRMSR(GlobalCtl = mask, the first argument) and
 * closes with "xor %eax,%eax; xor %edx,%edx; wrmsr", which counts
 * (3 instructions, the CLOSE cost).
 * The opening WRMSR does not count: the model counts an instruction that
 * changes the configuration under the configuration it started with.
 */
	.macro open_window
	mov	$MSR_GLOBAL_CTL, %ecx
	mov	%edi, %eax
	xor	%edx, %edx
	wrmsr
	.endm
	.macro close_window
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	.endm

/* The C calling convention's callee-saved registers, for the windows that
 * leave through another path (SYSCALL) or run a guest that may clobber them. */
	.macro save_callee_saved
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	.endm
	.macro restore_callee_saved
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	.endm
/* Before a ring-3 excursion: user_syscall_entry comes back to this stack. */
	.macro enter_excursion
	save_callee_saved
	mov	%rsp, kernel_rsp(%rip)
	.endm
/* IRETQ to \label at CPL 3 with RFLAGS \flags (an immediate or a register):
 * 7 instructions, IRETQ included. */
	.macro iret_to_user label, flags
	push	$USER_DS
	push	$user_stack_top
	push	\flags
	push	$USER_CS
	lea	\label(%rip), %rax
	push	%rax
	iretq
	.endm

/* void win_empty(u32 mask) */
	.globl win_empty
win_empty:
	open_window
	close_window
	ret

/* void win_nops(u32 mask): 100 NOPs */
	.globl win_nops
win_nops:
	open_window
	.rept 100
	nop
	.endr
	close_window
	ret

/* void win_straight(u32 mask): 50 ALU/move instructions, no memory, no branch */
	.globl win_straight
win_straight:
	open_window
	.rept 10
	add	$1, %r8
	mov	%r8, %r9
	xor	%r10, %r10
	lea	4(%r9), %r11
	sub	%r11, %r10
	.endr
	close_window
	ret

/* void win_loop(u32 mask): "loop ." with RCX = 42: 1 mov + 42 loops, 42 branches.
 * ECX is the loop counter and the MSR index: reload it before closing. */
	.globl win_loop
win_loop:
	open_window
	mov	$42, %ecx
	loop	.
	mov	$MSR_GLOBAL_CTL, %ecx
	close_window
	ret

/* void win_jcc(u32 mask): 10 taken + 10 not-taken Jcc: 40 insns, 20 branches */
	.globl win_jcc
win_jcc:
	open_window
	.rept 10
	cmp	%eax, %eax			/* ZF = 1 */
	jz	1f				/* taken */
1:	cmp	%eax, %eax
	jnz	1f				/* not taken */
1:
	.endr
	close_window
	ret

/* void win_call(u32 mask): 10 CALL/RET pairs: 20 insns, 20 branches;
 * 10 loads (RET) and 10 stores (CALL) that LsDispatch does not see */
	.globl win_call
win_call:
	open_window
	.rept 10
	call	1f
	jmp	2f
1:	ret
2:
	.endr
	close_window
	ret
/* The JMPs above: 10 more insns and branches (30 insns, 30 branches). */

/* void win_rep_movsb(u32 mask, void *dst, void *src, u64 n):
 * 3 moves + rep movsb + mov = 5 insns, whatever n */
	.globl win_rep_movsb
win_rep_movsb:
	mov	%rsi, %r8
	mov	%rdx, %r9
	mov	%rcx, %r10
	open_window
	mov	%r8, %rdi
	mov	%r9, %rsi
	mov	%r10, %rcx
	rep movsb
	mov	$MSR_GLOBAL_CTL, %ecx
	close_window
	ret

/* void win_ls(u32 mask, int *v): a store, a load and a load-op-store through
 * ModRM, 3 insns (mov + mov + inc) */
	.globl win_ls
win_ls:
	mov	%rsi, %r8
	open_window
	movl	$0, (%r8)			/* store */
	mov	(%r8), %r9d			/* load */
	incl	(%r8)				/* load-op-store */
	close_window
	ret

/* void win_int80(u32 mask): INT 0x80 into an IRETQ-only handler: 2 insns,
 * 2 branches (the delivered interrupt and the IRETQ) */
	.globl win_int80
win_int80:
	open_window
	int	$0x80
	close_window
	ret

/* void win_ud2(u32 mask): UD2, stepped over by ud_skip_handler (IDT vector 6
 * for this window): the faulting UD2 does not retire (AMD APM Vol. 2, 8.2:
 * a fault is reported before the instruction completes), so 2 insns (the
 * handler's ADD and IRETQ), 2 branches (the #UD delivery and the IRETQ).
 * QEMU raises this #UD at translation time, after icount counted the UD2. */
	.globl win_ud2, ud_skip_handler
win_ud2:
	open_window
	ud2
	close_window
	ret

ud_skip_handler:
	addq	$2, (%rsp)			/* RIP: #UD pushes no error code */
	iretq

/* void win_pmi(u32 mask): 100 NOPs at pmi_nops (the PMI lands in them) */
	.globl win_pmi, pmi_nops
win_pmi:
	open_window
pmi_nops:
	.rept 100
	nop
	.endr
	close_window
	ret

/* u64 win_rdpmc(u32 mask, u32 idx): open, 10 NOPs, RDPMC of counter idx
 * (mov + rdpmc: 12 insns at the RDPMC), close. */
	.globl win_rdpmc
win_rdpmc:
	mov	%esi, %r8d
	open_window
	.rept 10
	nop
	.endr
	mov	%r8d, %ecx
	rdpmc
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, %r9
	mov	$MSR_GLOBAL_CTL, %ecx
	close_window
	mov	%r9, %rax
	ret
/* After the RDPMC: shl, or, mov, mov + close = 7 more insns. */

/*
 * Ring-3 excursions.  void win_user_iret(u32 mask, u64 rflags) and
 * win_user_sysret(u32 mask):
 * kernel part before: 6 (push*4, lea, push) + IRETQ = 7, or
 * 3 (lea, mov, mov) + SYSRETQ = 4; user part: 20 NOPs + SYSCALL = 21;
 * kernel part after: mov rsp, mov ecx + close = 5.
 * Branches: IRETQ or SYSRETQ (kernel), SYSCALL (user).
 */
	.globl win_user_iret, win_user_sysret, user_syscall_entry, user_nops
win_user_iret:
	enter_excursion
	open_window
	iret_to_user user_nops, %rsi

win_user_sysret:
	enter_excursion
	open_window
	lea	user_nops(%rip), %rcx
	mov	$0x2, %r11d
	mov	$user_stack_top, %esp
	sysretq

user_nops:
	.rept 20
	nop
	.endr
	syscall

user_syscall_entry:				/* LSTAR */
	mov	kernel_rsp(%rip), %rsp
	mov	$MSR_GLOBAL_CTL, %ecx
	close_window
	restore_callee_saved
	ret

/*
 * void win_user_fault(u32 mask): like win_user_iret, but the user code is 10
 * NOPs, a RDPMC that faults (ECX still holds 0xc0000301: no such counter,
 * #GP), 10 NOPs and SYSCALL.  gp_skip_handler (IDT vector 13 for this
 * window) steps over the RDPMC: 3 insns, IRETQ included.
 * Kernel: 7 before + 3 handler + 5 after = 15 insns; user: 21 insns.
 * Branches: kernel 3 (IRETQ to ring 3, the #GP delivery, the handler's
 * IRETQ), user 1 (SYSCALL).  The faulting RDPMC does not retire.
 */
	.globl win_user_fault, gp_skip_handler
win_user_fault:
	enter_excursion
	open_window
	iret_to_user user_fault, $0x2
user_fault:
	.rept 10
	nop
	.endr
	rdpmc
	.rept 10
	nop
	.endr
	syscall

/*
 * void win_user_int(u32 mask): ring 3 runs 10 NOPs, INT $0x81 (a DPL-3 gate
 * to the IRETQ-only handler), 10 NOPs, INT $0x80 (a DPL-0 gate: #GP, stepped
 * over by gp_skip_handler), SYSCALL.  User: 22 insns (INT $0x80 does not
 * retire), branches INT $0x81 and SYSCALL.  Kernel: 7 + 1 (IRETQ) + 3
 * (gp_skip) + 5 = 16 insns; branches: IRETQ to ring 3, the handler's IRETQ,
 * the #GP delivery, gp_skip's IRETQ = 4.
 */
	.globl win_user_int
win_user_int:
	enter_excursion
	open_window
	iret_to_user user_int, $0x2
user_int:
	.rept 10
	nop
	.endr
	int	$0x81
	.rept 10
	nop
	.endr
	int	$0x80
	syscall

gp_skip_handler:
	addq	$2, 8(%rsp)			/* RIP, above the error code */
	add	$8, %rsp
	iretq

/*
 * void win_svme_toggle(u32 mask): 10 NOPs with EFER.SVME = 0, the 4-insn
 * EFER update (which starts with SVME = 0), 10 NOPs with SVME = 1, mov ecx +
 * CLOSE: 28 insns, of which 14 with SVME = 1.
 */
	.globl win_svme_toggle
win_svme_toggle:
	open_window
	.rept 10
	nop
	.endr
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$0x1000, %eax
	wrmsr
	.rept 10
	nop
	.endr
	mov	$MSR_GLOBAL_CTL, %ecx
	close_window
	ret

/* void user_rdpmc(u32 idx) from ring 3 (for the CR4.PCE cases): enter ring 3
 * with IRETQ, RDPMC (may #GP: the C trap handler resumes at user_rdpmc_done),
 * SYSCALL back. */
	.globl user_rdpmc, user_rdpmc_insn, user_rdpmc_done
user_rdpmc:
	enter_excursion
	mov	%edi, %ecx
	iret_to_user user_rdpmc_insn, $0x2
user_rdpmc_insn:
	rdpmc
	mov	%eax, user_rdpmc_val(%rip)
user_rdpmc_done:
	syscall

/*
 * void win_vmrun(u32 mask, u64 vmcb_pa, u32 guest_arg): open, VMRUN into
 * the guest (guest_arg in its R13D), close.  Host: mov + VMRUN before, then
 * (after #VMEXIT) mov ecx + close = 6 insns, no branch.  The guest code
 * decides its own count.  GIF is 0 after #VMEXIT: STGI.
 */
	.globl win_vmrun
win_vmrun:
	save_callee_saved
	mov	%rsi, %r12
	mov	%edx, %r13d
	open_window
	mov	%r12, %rax
	vmrun
	mov	$MSR_GLOBAL_CTL, %ecx
	close_window
	stgi
	restore_callee_saved
	ret

/* Guest code: 30 NOPs, then "loop ." with ECX = 42, then VMMCALL (intercepted,
 * does not retire): 30 + 1 + 42 = 73 insns, 42 branches. */
	.globl guest_nops
guest_nops:
	.rept 30
	nop
	.endr
	mov	$42, %ecx
	loop	.
	vmmcall

/*
 * NRIP save (APM Vol. 2, 15.7.1): guest code for each intercept, the
 * instruction under test between nrip_<name> and nrip_<name>_end (so its
 * length, prefixes included, comes from these bytes), entered at
 * nrip_<name>_entry; a VMMCALL after it exits if the intercept did not.
 */
.macro nrip_case name, setup, insn:vararg
	.globl nrip_\name\()_entry, nrip_\name, nrip_\name\()_end
nrip_\name\()_entry:
	\setup
nrip_\name:
	\insn
nrip_\name\()_end:
	vmmcall
.endm
	nrip_case cpuid, nop, cpuid
	nrip_case cs_cpuid, nop, .byte 0x2e, 0x0f, 0xa2	/* CS: CPUID */
	nrip_case pause, nop, pause				/* F3 90 */
	nrip_case rdmsr_rexw, "mov $0x12345678, %ecx", .byte 0x48, 0x0f, 0x32
	nrip_case wrmsr, "mov $0x12345678, %ecx", wrmsr
	nrip_case hlt, nop, hlt
	nrip_case rdtsc, nop, rdtsc
	nrip_case rdpmc, "xor %ecx, %ecx", rdpmc
	nrip_case invlpg, nop, invlpg 0x1000(%rax,%rbx,4)
	nrip_case vmmcall, nop, vmmcall
	nrip_case stgi, nop, stgi
	nrip_case clgi, nop, clgi
	nrip_case in_dx, "mov $0x80, %edx", in (%dx), %al	/* EC */
	nrip_case out_imm, nop, out %al, $0x80			/* E6 80 */
	nrip_case rep_insb, "mov $0x80, %edx; mov $1, %ecx; lea guest_stack_top-64(%rip), %rdi", rep insb
	nrip_case opsize_in, "mov $0x80, %edx", .byte 0x66, 0xed	/* in (%dx), %ax */
	nrip_case int_n, nop, int $0x80
	nrip_case int3, nop, int3
	nrip_case ud2, nop, ud2

/* Injected events: the return address must be next_rip, not save.rip. */
	.globl nrip_inject_int, nrip_inject_int3
nrip_inject_int:
	int	$0x80		/* save.rip; next_rip is the VMMCALL after it */
	vmmcall
nrip_inject_int3:
	int3			/* save.rip; next_rip is the VMMCALL after it */
	vmmcall

/* Guest code: RDPMC of the counter in R13D (guest_arg), result stored; a
 * #GP resumes at guest_rdpmc_done. */
	.globl guest_rdpmc, guest_rdpmc_insn, guest_rdpmc_done
guest_rdpmc:
	mov	%r13d, %ecx
guest_rdpmc_insn:
	rdpmc
	mov	%eax, guest_rdpmc_val(%rip)
guest_rdpmc_done:
	vmmcall

	.data
	.align 16
gdt:
	.quad 0
	.quad 0x00209a0000000000		/* 0x08 kernel code, 64-bit */
	.quad 0x00cf92000000ffff		/* 0x10 kernel data */
	.quad 0x00cff2000000ffff		/* 0x18 user data */
	.quad 0x0020fa0000000000		/* 0x20 user code, 64-bit */
	.globl gdt_tss
gdt_tss:
	.quad 0, 0				/* 0x28 TSS, filled by setup_tss_idt */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
	.globl idt_desc
idt_desc:
	.word 256 * 16 - 1
	.quad idt

	.bss
	.align 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4 * 4096
	.globl idt
idt:	.skip 256 * 16
	.align 16
	.skip 16384
boot_stack_top:
	.skip 8192
	.globl user_stack_top
user_stack_top:
	.skip 8192
	.globl guest_stack_top
guest_stack_top:
	.globl mb_info, kernel_rsp, pmi_rip, pmi_count, nmi_rip, nmi_count
	.globl user_rdpmc_val, guest_rdpmc_val
mb_info:	.quad 0
kernel_rsp:	.quad 0
pmi_rip:	.quad 0
nmi_rip:	.quad 0
pmi_count:	.long 0
nmi_count:	.long 0
user_rdpmc_val:	.long 0
guest_rdpmc_val: .long 0

	.section .note.GNU-stack, "", @progbits
