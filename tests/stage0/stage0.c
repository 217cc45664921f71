// SPDX-License-Identifier: GPL-2.0
/*
 * Stage 0 of the rig's PMU proof: the emulated AMD PerfMonV2 PMU of the rig's
 * QEMU against counts computed by hand, on bare metal (no Linux).
 *
 * Every measured sequence is in boot.S, where its instruction and branch
 * counts are stated; the expected values below are derived from those
 * sequences, never from what the model reports about itself.
 *
 * The window convention (fixed here, tested by "window-empty"): counters are
 * programmed while PerfCntrGlobalCtl is 0; WRMSR(GlobalCtl) opens the window
 * and does not count; "xor eax; xor edx; wrmsr" closes it and counts
 * (CLOSE = 3 instructions).  An instruction is counted in the mode and
 * configuration it started in, so RDPMC and RDMSR count themselves.
 *
 * Output: TAP on COM1, one line per case, "# | " lines with expected and
 * measured values before each.  The kernel command line selects the variant:
 * v2 (the model, default), v1 (-perfmon-v2), shift1 (-icount shift=1),
 * lenient (x-amd-pmu-strict=off, the default), strict (x-amd-pmu-strict=on),
 * off (x-amd-pmu off: QEMU's behaviour without the model).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "stage0.h"

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;

#define BIT(n)		(1ULL << (n))
#define CTR_MASK	(BIT(48) - 1)

/* PERF_CTL fields */
#define EV_CYCLES	0x76
#define EV_INSNS	0xc0
#define EV_BRANCHES	0xc2
#define EV_LS_DISPATCH	0x29
#define CTL_USR		BIT(16)
#define CTL_OS		BIT(17)
#define CTL_EDGE	BIT(18)
#define CTL_INT		BIT(20)
#define CTL_EN		BIT(22)
#define CTL_INV		BIT(23)
#define CNTMASK(m)	((u64)(m) << 24)
#define CTL_GUESTONLY	BIT(40)
#define CTL_HOSTONLY	BIT(41)
#define UMASK(m)	((u64)(m) << 8)

#define CLOSE		3	/* instructions of close_window */

/* boot.S */
extern void win_empty(u32 mask), win_nops(u32 mask), win_straight(u32 mask);
extern void win_loop(u32 mask), win_jcc(u32 mask), win_call(u32 mask);
extern void win_rep_movsb(u32 mask, void *dst, const void *src, u64 n);
extern void win_ls(u32 mask, int *v), win_int80(u32 mask), win_pmi(u32 mask);
extern void win_ud2(u32 mask);
extern char ud_skip_handler[];
extern u64 win_rdpmc(u32 mask, u32 idx);
extern void win_user_iret(u32 mask, u64 rflags), win_user_sysret(u32 mask);
extern void win_user_int(u32 mask);
extern void win_vmrun(u32 mask, u64 vmcb, u32 guest_arg);
extern void win_user_fault(u32 mask), win_svme_toggle(u32 mask);
extern void user_rdpmc(u32 idx);
extern char user_rdpmc_done[], user_syscall_entry[], pmi_nops[], user_nops[];
extern char guest_nops[], guest_rdpmc[], guest_rdpmc_done[];
extern char nrip_cpuid_entry[], nrip_cpuid[], nrip_cpuid_end[], nrip_cs_cpuid_entry[],
	nrip_cs_cpuid[], nrip_cs_cpuid_end[], nrip_pause_entry[], nrip_pause[],
	nrip_pause_end[], nrip_rdmsr_rexw_entry[], nrip_rdmsr_rexw[], nrip_rdmsr_rexw_end[],
	nrip_wrmsr_entry[], nrip_wrmsr[], nrip_wrmsr_end[], nrip_hlt_entry[], nrip_hlt[],
	nrip_hlt_end[], nrip_rdtsc_entry[], nrip_rdtsc[], nrip_rdtsc_end[], nrip_rdpmc_entry[],
	nrip_rdpmc[], nrip_rdpmc_end[], nrip_invlpg_entry[], nrip_invlpg[], nrip_invlpg_end[],
	nrip_vmmcall_entry[], nrip_vmmcall[], nrip_vmmcall_end[], nrip_stgi_entry[],
	nrip_stgi[], nrip_stgi_end[], nrip_clgi_entry[], nrip_clgi[], nrip_clgi_end[],
	nrip_in_dx_entry[], nrip_in_dx[], nrip_in_dx_end[], nrip_out_imm_entry[],
	nrip_out_imm[], nrip_out_imm_end[], nrip_rep_insb_entry[], nrip_rep_insb[],
	nrip_rep_insb_end[], nrip_opsize_in_entry[], nrip_opsize_in[], nrip_opsize_in_end[],
	nrip_int_n_entry[], nrip_int_n[], nrip_int_n_end[], nrip_int3_entry[], nrip_int3[],
	nrip_int3_end[], nrip_ud2_entry[], nrip_ud2[], nrip_ud2_end[];
extern char nrip_inject_int[], nrip_inject_int3[];
extern char user_stack_top[], guest_stack_top[];
extern char pmi_fixed_handler[], pmi_nmi_handler[], int80_handler[];
extern char gp_skip_handler[];
extern u64 trap_stub_addr(u64 vec);
extern u8 gdt_tss[], idt[];
extern volatile u64 pmi_rip, nmi_rip;
extern volatile u32 pmi_count, nmi_count, user_rdpmc_val, guest_rdpmc_val;

/* ---- what the compiler may call ---- */

void *memset(void *d, int c, size_t n);
void *memset(void *d, int c, size_t n)
{
	u8 *p = d;

	while (n--)
		*p++ = c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n);
void *memcpy(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* ---- I/O, output ---- */

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_(char c)
{
	while (!(inb(0x3f8 + 5) & 0x20))
		;
	outb(0x3f8, c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void put_u64(u64 v, int base)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		putc_(buf[--i]);
}

/* %s, %d (int), %u (u32), %lu (u64), %lx (u64 hex), %x (u32 hex) */
static void vprint(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc_(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == 's') {
			puts_(va_arg(ap, const char *));
		} else if (*fmt == 'd') {
			int v = va_arg(ap, int);

			if (v < 0) {
				putc_('-');
				v = -v;
			}
			put_u64(v, 10);
		} else if (*fmt == 'u') {
			put_u64(va_arg(ap, u32), 10);
		} else if (*fmt == 'x') {
			puts_("0x");
			put_u64(va_arg(ap, u32), 16);
		} else if (*fmt == 'l') {
			fmt++;
			if (*fmt == 'x') {
				puts_("0x");
				put_u64(va_arg(ap, u64), 16);
			} else {
				put_u64(va_arg(ap, u64), 10);
			}
		}
	}
}

static void print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

/* ---- TAP ---- */

static const char *variant = "v2";
static int ntests, nfailed;
static bool case_ok;

static void begin(void)
{
	case_ok = true;
}

/* One comparison inside a case: printed, and failing the case if unequal. */
static void expect(const char *what, u64 want, u64 got)
{
	print("# | %s: expected %lu (%lx), measured %lu (%lx)%s\n", what, want,
	      want, got, got, want == got ? "" : "  <-- MISMATCH");
	if (want != got)
		case_ok = false;
}

static void end(const char *name)
{
	ntests++;
	if (!case_ok)
		nfailed++;
	print("%sok %d stage0:%s:%s\n", case_ok ? "" : "not ", ntests, variant,
	      name);
}

static void skip(const char *name, const char *why)
{
	ntests++;
	print("ok %d stage0:%s:%s # SKIP %s\n", ntests, variant, name, why);
}

/* ---- CPU access, with a one-shot fault fixup ---- */

volatile u64 fixup_ip;
static volatile int trap_vector;

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | ((u64)hi << 32);
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

/* The vector of the exception the access raised, or -1. */
static int rdmsr_safe(u32 msr, u64 *v)
{
	u32 lo = 0, hi = 0;

	trap_vector = -1;
	asm volatile("lea 1f(%%rip), %%r11\n\t"
		     "mov %%r11, fixup_ip(%%rip)\n\t"
		     "rdmsr\n"
		     "1:"
		     : "+a"(lo), "+d"(hi) : "c"(msr) : "r11", "memory");
	fixup_ip = 0;
	*v = lo | ((u64)hi << 32);
	return trap_vector;
}

static int wrmsr_safe(u32 msr, u64 v)
{
	trap_vector = -1;
	asm volatile("lea 1f(%%rip), %%r11\n\t"
		     "mov %%r11, fixup_ip(%%rip)\n\t"
		     "wrmsr\n"
		     "1:"
		     : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "r11", "memory");
	fixup_ip = 0;
	return trap_vector;
}

static int rdpmc_safe(u32 idx, u64 *v)
{
	u32 lo = 0, hi = 0;

	trap_vector = -1;
	asm volatile("lea 1f(%%rip), %%r11\n\t"
		     "mov %%r11, fixup_ip(%%rip)\n\t"
		     "rdpmc\n"
		     "1:"
		     : "+a"(lo), "+d"(hi) : "c"(idx) : "r11", "memory");
	fixup_ip = 0;
	*v = lo | ((u64)hi << 32);
	return trap_vector;
}

static void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(0));
}

static inline u64 read_cr4(void)
{
	u64 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(u64 v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v));
}

#define APIC_BASE	0xfee00000UL
#define APIC_EOI	0xb0
#define APIC_SVR	0xf0
#define APIC_LVTPC	0x340
#define APIC_LVT_MASKED	BIT(16)
#define APIC_DM_NMI	0x400

static inline u32 apic_read(u32 reg)
{
	return *(volatile u32 *)(APIC_BASE + reg);
}

static inline void apic_write(u32 reg, u32 v)
{
	*(volatile u32 *)(APIC_BASE + reg) = v;
}

struct frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rdi, rsi, rbp, rbx, rdx, rcx, rax;
	u64 vector, error, rip, cs, rflags, rsp, ss;
};

static void die(const char *why)
{
	print("Bail out! %s\n", why);
	print("# RIG-DONE\n");
	asm volatile("outl %0, %1" : : "a"(3), "Nd"(0xf4));
	for (;;)
		asm volatile("cli; hlt");
}

void stage0_trap(struct frame *f);
void stage0_trap(struct frame *f)
{
	if (fixup_ip) {
		trap_vector = f->vector;
		f->rip = fixup_ip;
		fixup_ip = 0;
		return;
	}
	print("# unexpected exception %lu error %lx at rip %lx\n", f->vector,
	      f->error, f->rip);
	die("unexpected exception");
}

/* ---- IDT, TSS ---- */

static u8 tss[104] __attribute__((aligned(16)));
static u8 trap_stack[8192] __attribute__((aligned(16)));

static void set_gate_dpl(int vec, u64 addr, int dpl)
{
	u8 *g = idt + vec * 16;

	*(u16 *)(g + 0) = addr;
	*(u16 *)(g + 2) = KERNEL_CS;
	g[4] = 0;
	g[5] = 0x8e | dpl << 5;		/* present, interrupt gate */
	*(u16 *)(g + 6) = addr >> 16;
	*(u32 *)(g + 8) = addr >> 32;
	*(u32 *)(g + 12) = 0;
}

static void set_gate(int vec, u64 addr)
{
	set_gate_dpl(vec, addr, 0);
}

void setup_tss_idt(void);
void setup_tss_idt(void)
{
	u64 base = (u64)tss, limit = sizeof(tss) - 1;
	u64 *d = (u64 *)gdt_tss;
	int i;

	*(u64 *)(tss + 4) = (u64)(trap_stack + sizeof(trap_stack));	/* RSP0 */
	d[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
	       ((base >> 24) & 0xff) << 56;
	d[1] = base >> 32;
	for (i = 0; i < 256; i++)
		set_gate(i, trap_stub_addr(i));
	set_gate(2, (u64)pmi_nmi_handler);
	set_gate(PMI_VECTOR, (u64)pmi_fixed_handler);
	set_gate(0x80, (u64)int80_handler);
	set_gate_dpl(0x81, (u64)int80_handler, 3);
}

/* ---- PMU helpers ---- */

static u32 ctl_msr(int i)
{
	return MSR_PERF_CTL0 + 2 * i;
}

static u32 ctr_msr(int i)
{
	return MSR_PERF_CTL0 + 2 * i + 1;
}

/* All counters off and zero, status clear, GlobalCtl 0: a window's start. */
static void pmu_clear(void)
{
	int i;

	wrmsr(MSR_GLOBAL_CTL, 0);
	for (i = 0; i < 6; i++) {
		wrmsr(ctl_msr(i), 0);
		wrmsr(ctr_msr(i), 0);
	}
	wrmsr(MSR_GLOBAL_STATUS_CLR, 0x3f);
}

static u64 ctr(int i)
{
	return rdmsr(ctr_msr(i));
}

/* One counter counting @ctl over window @win. */
static u64 count1(u64 ctl, void (*win)(u32))
{
	pmu_clear();
	wrmsr(ctl_msr(0), ctl | CTL_EN);
	win(1);
	return ctr(0);
}

/* ---- the cases ---- */

static void t_cpuid(void)
{
	u32 a, b, c, d;

	begin();
	cpuid(0x80000001, &a, &b, &c, &d);
	expect("CPUID 0x80000001 ECX[23] PerfCtrExtCore", 1, (c >> 23) & 1);
	cpuid(0x80000022, &a, &b, &c, &d);
	expect("CPUID 0x80000022 EAX (PerfMonV2 only)", 1, a);
	expect("CPUID 0x80000022 EBX (6 core counters)", 6, b);
	expect("CPUID 0x80000022 ECX", 0, c);
	expect("CPUID 0x80000022 EDX", 0, d);
	end("cpuid");
}

static void t_reset_values(void)
{
	int i;

	begin();
	for (i = 0; i < 6; i++) {
		expect("PERF_CTL at reset", 0, rdmsr(ctl_msr(i)));
		expect("PERF_CTR at reset", 0, rdmsr(ctr_msr(i)));
	}
	for (i = 0; i < 4; i++) {
		expect("legacy PERF_CTL at reset", 0, rdmsr(MSR_K7_EVNTSEL0 + i));
		expect("legacy PERF_CTR at reset", 0, rdmsr(MSR_K7_PERFCTR0 + i));
	}
	expect("PerfCntrGlobalCtl at reset", 0x3f, rdmsr(MSR_GLOBAL_CTL));
	expect("PerfCntrGlobalStatus at reset", 0, rdmsr(MSR_GLOBAL_STATUS));
	end("reset-values");
}

static void t_window(void)
{
	begin();
	expect("empty window: the closing sequence only", CLOSE,
	       count1(CTL_OS | EV_INSNS, win_empty));
	expect("RDPMC counts itself (10 NOPs + mov + rdpmc)", 12,
	       (pmu_clear(), wrmsr(ctl_msr(2), CTL_EN | CTL_OS | EV_INSNS),
		win_rdpmc(BIT(2), 2)));
	expect("the same counter after the window (+ 4 + CLOSE)", 12 + 4 + CLOSE,
	       ctr(2));
	end("window-convention");
}

static void t_straight(void)
{
	begin();
	expect("100 NOPs", 100 + CLOSE, count1(CTL_OS | EV_INSNS, win_nops));
	expect("50 ALU instructions", 50 + CLOSE,
	       count1(CTL_OS | EV_INSNS, win_straight));
	expect("branches in 50 ALU instructions", 0,
	       count1(CTL_OS | EV_BRANCHES, win_straight));
	end("straight-line");
}

/* Instructions and branches of window @win, each counted in a run of its own. */
static void insns_and_branches(const char *name, const char *what,
			       void (*win)(u32), u64 insns, u64 branches)
{
	begin();
	print("# | %s\n", what);
	expect("  instructions", insns, count1(CTL_OS | EV_INSNS, win));
	expect("  branches", branches, count1(CTL_OS | EV_BRANCHES, win));
	end(name);
}

static void t_loop(void)
{
	insns_and_branches("loop-42", "loop . (ECX=42)", win_loop,
			   1 + 42 + 1 + CLOSE, 42);
}

static void t_jcc(void)
{
	insns_and_branches("jcc", "10 taken + 10 not-taken Jcc", win_jcc,
			   40 + CLOSE, 20);
}

static void t_call(void)
{
	insns_and_branches("call-ret", "10 x (CALL, RET, JMP)", win_call,
			   30 + CLOSE, 30);
}

static u8 buf_src[4096], buf_dst[4096];

static void t_rep_movsb(void)
{
	u64 n[] = { 1000, 1, 0, 4096 };
	int i, j, bad;

	begin();
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 4096; j++) {
			buf_src[j] = j * 7 + i;
			buf_dst[j] = 0;
		}
		pmu_clear();
		wrmsr(ctl_msr(0), CTL_EN | CTL_OS | EV_INSNS);
		wrmsr(ctl_msr(1), CTL_EN | CTL_OS | EV_BRANCHES);
		win_rep_movsb(3, buf_dst, buf_src, n[i]);
		print("# | rep movsb with RCX = %lu\n", n[i]);
		expect("  instructions (3 mov + rep movsb + mov + CLOSE)",
		       3 + 1 + 1 + CLOSE, ctr(0));
		expect("  branches", 0, ctr(1));
		for (bad = 0, j = 0; j < 4096; j++)
			bad += buf_dst[j] != (j < (int)n[i] ? buf_src[j] : 0);
		expect("  bytes copied wrongly", 0, bad);
	}
	end("rep-movsb");
}

static void t_ls_dispatch(void)
{
	static int v;
	static const struct {
		u32 umask;
		u64 want;
		const char *what;
	} c[] = {
		{ 1, 1, "LsDispatch loads (umask 1)" },
		{ 2, 1, "LsDispatch stores (umask 2)" },
		{ 4, 1, "LsDispatch load-op-stores (umask 4)" },
		{ 7, 3, "LsDispatch all (umask 7)" },
		{ 0, 0, "LsDispatch umask 0" },
	};
	int i;

	begin();
	for (i = 0; i < 5; i++) {
		pmu_clear();
		wrmsr(ctl_msr(0), CTL_EN | CTL_OS | EV_LS_DISPATCH |
				  UMASK(c[i].umask));
		win_ls(1, &v);
		expect(c[i].what, c[i].want, ctr(0));
	}
	expect("the value the sequence leaves (0, then incl)", 1, v);
	expect("CALL/RET stack accesses are not ModRM operands", 0,
	       count1(CTL_OS | EV_LS_DISPATCH | UMASK(7), win_call));
	end("ls-dispatch");
}

static void t_int_n(void)
{
	begin();
	expect("INT 0x80 + IRETQ: instructions", 2 + CLOSE,
	       count1(CTL_OS | EV_INSNS, win_int80));
	expect("INT 0x80 + IRETQ: branches (interrupt, IRETQ)", 2,
	       count1(CTL_OS | EV_BRANCHES, win_int80));
	end("int-n");
}

static void t_ud2(void)
{
	begin();
	set_gate(6, (u64)ud_skip_handler);
	expect("UD2 (does not retire) + #UD handler: instructions", 2 + CLOSE,
	       count1(CTL_OS | EV_INSNS, win_ud2));
	expect("UD2: branches (#UD delivery, IRETQ)", 2,
	       count1(CTL_OS | EV_BRANCHES, win_ud2));
	set_gate(6, trap_stub_addr(6));
	end("ud2-fault");
}

static void setup_syscall(void)
{
	wrmsr(MSR_STAR, ((u64)KERNEL_DS << 48) | ((u64)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (u64)user_syscall_entry);
	wrmsr(MSR_SFMASK, 0x700);	/* TF, IF, DF */
}

static void user_split(const char *name, void (*win)(u32), u64 kernel_before)
{
	u64 os = kernel_before + 2 + CLOSE, usr = 20 + 1;

	begin();
	pmu_clear();
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | EV_INSNS);
	wrmsr(ctl_msr(1), CTL_EN | CTL_USR | EV_INSNS);
	wrmsr(ctl_msr(2), CTL_EN | CTL_OS | CTL_USR | EV_INSNS);
	wrmsr(ctl_msr(3), CTL_EN | EV_INSNS);
	wrmsr(ctl_msr(4), CTL_EN | CTL_OS | EV_BRANCHES);
	wrmsr(ctl_msr(5), CTL_EN | CTL_USR | EV_BRANCHES);
	win(0x3f);
	expect("OS instructions (CPL 0)", os, ctr(0));
	expect("USR instructions (CPL 3: 20 NOPs + SYSCALL)", usr, ctr(1));
	expect("OS|USR instructions", os + usr, ctr(2));
	expect("neither OS nor USR", 0, ctr(3));
	expect("OS branches (the return to ring 3)", 1, ctr(4));
	expect("USR branches (SYSCALL)", 1, ctr(5));
	end(name);
}

/* A fault in ring 3 is a branch of the kernel (its handler's mode); the
 * faulting instruction does not retire. */
static void t_user_fault(void)
{
	begin();
	pmu_clear();
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | EV_INSNS);
	wrmsr(ctl_msr(1), CTL_EN | CTL_USR | EV_INSNS);
	wrmsr(ctl_msr(2), CTL_EN | CTL_OS | EV_BRANCHES);
	wrmsr(ctl_msr(3), CTL_EN | CTL_USR | EV_BRANCHES);
	/* CR4.PCE = 1: the #GP comes from the counter index alone. */
	write_cr4(read_cr4() | BIT(8));
	set_gate(13, (u64)gp_skip_handler);
	win_user_fault(0xf);
	set_gate(13, trap_stub_addr(13));
	write_cr4(read_cr4() & ~BIT(8));
	expect("OS instructions (7 + #GP handler 3 + 5)", 7 + 3 + 2 + CLOSE,
	       ctr(0));
	expect("USR instructions (20 NOPs + SYSCALL; RDPMC faulted)", 21, ctr(1));
	expect("OS branches (IRETQ, #GP delivery, handler IRETQ)", 3, ctr(2));
	expect("USR branches (SYSCALL only)", 1, ctr(3));
	end("fault-in-ring3");
}

/* EFER.SVME toggled inside the window: HostOnly starts counting after the
 * WRMSR that sets it. */
static void t_svme_toggle(void)
{
	begin();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~BIT(12));
	pmu_clear();
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | CTL_HOSTONLY | EV_INSNS);
	wrmsr(ctl_msr(1), CTL_EN | CTL_OS | CTL_GUESTONLY | EV_INSNS);
	wrmsr(ctl_msr(2), CTL_EN | CTL_OS | EV_INSNS);
	win_svme_toggle(0x7);
	expect("HostOnly: from the instruction after the EFER write", 10 + 1 +
	       CLOSE, ctr(0));
	expect("GuestOnly: never (no guest)", 0, ctr(1));
	expect("HO:GO=00: all", 10 + 4 + 10 + 1 + CLOSE, ctr(2));
	end("svme-toggle");
}

static void win_user_iret_noif(u32 mask)
{
	win_user_iret(mask, 0x2);
}

/* INT n from ring 3 through a DPL-3 gate retires at CPL 3; through a DPL-0
 * gate it #GPs, does not retire, and only the #GP counts (at CPL 0). */
static void t_user_int(void)
{
	begin();
	pmu_clear();
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | EV_INSNS);
	wrmsr(ctl_msr(1), CTL_EN | CTL_USR | EV_INSNS);
	wrmsr(ctl_msr(2), CTL_EN | CTL_OS | EV_BRANCHES);
	wrmsr(ctl_msr(3), CTL_EN | CTL_USR | EV_BRANCHES);
	set_gate(13, (u64)gp_skip_handler);
	win_user_int(0xf);
	set_gate(13, trap_stub_addr(13));
	expect("OS instructions (7 + IRETQ + gp_skip 3 + 5)", 7 + 1 + 3 + 2 + CLOSE,
	       ctr(0));
	expect("USR instructions (20 NOPs, INT $0x81, SYSCALL)", 22, ctr(1));
	expect("OS branches (IRETQ x3, #GP delivery)", 4, ctr(2));
	expect("USR branches (INT $0x81, SYSCALL)", 2, ctr(3));
	end("int-n-ring3");
}

static void t_gating(void)
{
	begin();
	pmu_clear();
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | EV_INSNS);
	wrmsr(ctl_msr(1), CTL_EN | CTL_OS | EV_INSNS);
	wrmsr(ctl_msr(2), CTL_OS | EV_INSNS);		/* EN clear */
	win_nops(BIT(0) | BIT(2));
	expect("GlobalCtl and EN set", 100 + CLOSE, ctr(0));
	expect("EN set, GlobalCtl bit clear", 0, ctr(1));
	expect("GlobalCtl bit set, EN clear", 0, ctr(2));
	end("enable-gating");
}

static void t_legacy(void)
{
	u64 v;
	int i;

	begin();
	pmu_clear();
	for (i = 0; i < 4; i++) {
		wrmsr(MSR_K7_EVNTSEL0 + i, 0x10000 + i);
		expect("PERF_CTL written at the K7 alias, read at 0xc0010200+2i",
		       0x10000 + i, rdmsr(ctl_msr(i)));
		wrmsr(ctr_msr(i), 0x1000 + i);
		expect("PERF_CTR written at 0xc0010201+2i, read at the K7 alias",
		       0x1000 + i, rdmsr(MSR_K7_PERFCTR0 + i));
	}
	pmu_clear();
	wrmsr(MSR_K7_EVNTSEL0 + 3, CTL_EN | CTL_OS | EV_INSNS);
	win_nops(BIT(3));
	expect("counter 3 programmed through its K7 alias", 100 + CLOSE,
	       rdmsr(MSR_K7_PERFCTR0 + 3));
	expect("no fault reading the K7 alias range", (u64)-1,
	       (u64)(int64_t)rdmsr_safe(MSR_K7_PERFCTR0 + 3, &v));
	end("legacy-aliases");
}

/*
 * Reserved bits: dropped, as KVM's emulation does (no AMD document at hand
 * says the hardware raises #GP); a counter keeps bits 47:0 of any value.
 * Addresses that name no MSR #GP.
 */
static void t_reserved(void)
{
	static const struct {
		u32 msr;
		u64 val;
		int vec;
		u64 readback;
		const char *what;
	} c[] = {
		{ MSR_PERF_CTL0, BIT(19) | EV_INSNS, -1, EV_INSNS,
		  "PERF_CTL bit 19 (dropped)" },
		{ MSR_PERF_CTL0, BIT(21) | EV_INSNS, -1, EV_INSNS,
		  "PERF_CTL bit 21 (dropped)" },
		{ MSR_PERF_CTL0, BIT(36) | EV_INSNS, -1, EV_INSNS,
		  "PERF_CTL bit 36 (dropped)" },
		{ MSR_PERF_CTL0, BIT(39) | EV_INSNS, -1, EV_INSNS,
		  "PERF_CTL bit 39 (dropped)" },
		{ MSR_PERF_CTL0, BIT(42) | EV_INSNS, -1, EV_INSNS,
		  "PERF_CTL bit 42 (dropped)" },
		{ MSR_PERF_CTL0, BIT(63) | EV_INSNS, -1, EV_INSNS,
		  "PERF_CTL bit 63 (dropped)" },
		{ MSR_K7_EVNTSEL0 + 1, BIT(21) | EV_INSNS, -1, EV_INSNS,
		  "K7 PERF_CTL1 bit 21 (dropped)" },
		{ MSR_PERF_CTL0, CTL_GUESTONLY | CTL_HOSTONLY, -1,
		  CTL_GUESTONLY | CTL_HOSTONLY, "PERF_CTL GuestOnly|HostOnly (valid)" },
		{ MSR_PERF_CTL0, 0xfULL << 32, -1, 0xfULL << 32,
		  "PERF_CTL EventSelect[11:8]" },
		{ MSR_PERF_CTL0, CTL_EDGE | CTL_INV | CNTMASK(0xff), -1,
		  CTL_EDGE | CTL_INV | CNTMASK(0xff), "PERF_CTL Edge|Inv|CntMask (valid)" },
		{ MSR_PERF_CTL0 + 1, BIT(48) | 5, -1, 5,
		  "PERF_CTR bit 48 | 5 (bits 47:0 kept)" },
		{ MSR_PERF_CTL0 + 1, CTR_MASK, -1, CTR_MASK, "PERF_CTR 2^48-1" },
		{ MSR_GLOBAL_CTL, BIT(6) | 1, -1, 1, "GlobalCtl bit 6 | 1 (dropped)" },
		{ MSR_GLOBAL_CTL, BIT(32) | 2, -1, 2, "GlobalCtl bit 32 | 2 (dropped)" },
		{ MSR_GLOBAL_STATUS, ~0ULL, -1, 0, "GlobalStatus (read-only)" },
		{ MSR_GLOBAL_STATUS_CLR, ~0ULL, -1, 0, "StatusClr all ones" },
		{ MSR_GLOBAL_STATUS_SET, BIT(58), -1, 0, "StatusSet bit 58 (reads 0)" },
		{ 0xc001020c, 0, 13, 0, "0xc001020c (no counter 6)" },
		{ 0xc0010230, 0, 13, 0, "0xc0010230 (PMU range)" },
	};
	u64 v;
	int i;

	begin();
	for (i = 0; i < (int)(sizeof(c) / sizeof(c[0])); i++) {
		pmu_clear();
		expect(c[i].what, (u64)(int64_t)c[i].vec,
		       (u64)(int64_t)wrmsr_safe(c[i].msr, c[i].val));
		if (c[i].vec < 0)
			expect("  reads back", c[i].readback, rdmsr(c[i].msr));
	}
	expect("rdmsr 0xc001020c", 13, rdmsr_safe(0xc001020c, &v));
	expect("rdmsr 0xc0010230", 13, rdmsr_safe(0xc0010230, &v));
	end("reserved-bits");
}

/*
 * Counters preset with sign-extended negative values, as software does:
 * accepted at both addresses, bits 47:0 kept, and -K overflows after K.
 */
static void t_counter_write(void)
{
	static const struct {
		u32 msr;
		u64 val;
		const char *what;
	} c[] = {
		{ MSR_PERF_CTL0 + 1, 0xffffffffff676970ULL,
		  "PERF_CTR0 = 0xffffffffff676970" },
		{ MSR_PERF_CTL0 + 11, ~0ULL, "PERF_CTR5 = -1" },
		{ MSR_K7_PERFCTR0 + 2, ~0ULL, "K7 PERF_CTR2 = -1" },
		{ MSR_K7_PERFCTR0, BIT(63) | 5, "K7 PERF_CTR0 = bit 63 | 5" },
	};
	u64 v = 0;
	int i;

	begin();
	for (i = 0; i < (int)(sizeof(c) / sizeof(c[0])); i++) {
		pmu_clear();
		expect(c[i].what, (u64)-1,
		       (u64)(int64_t)wrmsr_safe(c[i].msr, c[i].val));
		expect("  reads back bits 47:0", c[i].val & CTR_MASK,
		       rdmsr(c[i].msr));
	}
	pmu_clear();
	wrmsr_safe(ctr_msr(5), ~0ULL);
	expect("RDPMC 5 after PERF_CTR5 = -1: no #GP", (u64)-1,
	       (u64)(int64_t)rdpmc_safe(5, &v));
	expect("  RDPMC value", CTR_MASK, v);
	pmu_clear();
	expect("PERF_CTR0 = -100: no #GP", (u64)-1,
	       (u64)(int64_t)wrmsr_safe(ctr_msr(0), (u64)-100));
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | EV_INSNS);
	win_nops(1);
	expect("preset -100, 100 NOPs + CLOSE: wraps to CLOSE", CLOSE, ctr(0));
	expect("  GlobalStatus bit 0", 1, rdmsr(MSR_GLOBAL_STATUS) & 1);
	end("counter-write-sign-extended");
}

static void pmi_setup(u32 lvtpc)
{
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_LVTPC, lvtpc);
	pmi_count = 0;
	nmi_count = 0;
	pmi_rip = 0;
	nmi_rip = 0;
}

static void t_status_set_clr(void)
{
	begin();
	pmu_clear();
	pmi_setup(PMI_VECTOR);
	wrmsr(ctl_msr(0), CTL_INT | CTL_OS | EV_INSNS);
	asm volatile("sti; nop; nop; cli");
	wrmsr(MSR_GLOBAL_STATUS_SET, 0x5 | BIT(58) | BIT(6));
	asm volatile("sti; nop; nop; cli");
	expect("StatusSet 0x5|bit 58|bit 6: status", 0x5,
	       rdmsr(MSR_GLOBAL_STATUS));
	expect("no PMI from StatusSet", 0, pmi_count);
	wrmsr(MSR_GLOBAL_STATUS_CLR, 0x1);
	expect("StatusClr 0x1: status", 0x4, rdmsr(MSR_GLOBAL_STATUS));
	wrmsr(MSR_GLOBAL_STATUS_CLR, ~0ULL);
	expect("StatusClr all ones: status", 0, rdmsr(MSR_GLOBAL_STATUS));
	end("status-set-clr");
}

/*
 * Counter 0 preset to 2^48 - K over win_pmi.  @w: events per instruction
 * (1 for instructions, 2^shift for cycles): the PMI comes after ceil(K / w)
 * instructions.
 */
static void overflow_ev(const char *name, u32 lvtpc, u64 ctl_int, int k,
			u64 event, int w)
{
	bool nmi = (lvtpc & 0x700) == APIC_DM_NMI;
	bool delivered = ctl_int && !(lvtpc & APIC_LVT_MASKED);
	u64 handler = !delivered ? 0 : nmi ? 6 : 8;

	begin();
	pmu_clear();
	pmi_setup(lvtpc);
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | ctl_int | event);
	wrmsr(ctr_msr(0), BIT(48) - k);
	asm volatile("sti");
	win_pmi(1);
	asm volatile("cli");
	print("# | preset 2^48 - %d, LVTPC %x, INT %d, event %lx, %d per insn\n",
	      k, lvtpc, !!ctl_int, event, w);
	expect("PMIs taken (fixed vector)", delivered && !nmi, pmi_count);
	expect("PMIs taken (NMI)", delivered && nmi, nmi_count);
	if (delivered)
		expect("PMI taken after exactly ceil(K / w) insns (RIP - pmi_nops)",
		       (k + w - 1) / w, (nmi ? nmi_rip : pmi_rip) - (u64)pmi_nops);
	expect("GlobalStatus bit 0", 1, rdmsr(MSR_GLOBAL_STATUS) & 1);
	expect("counter after the wrap (w x (window + handler) - K)",
	       w * (100 + CLOSE + handler) - k, ctr(0));
	expect("LVTPC mask bit after delivery (AMD does not auto-mask)",
	       lvtpc & APIC_LVT_MASKED, apic_read(APIC_LVTPC) & APIC_LVT_MASKED);
	end(name);
}

static void overflow(const char *name, u32 lvtpc, u64 ctl_int, int k)
{
	overflow_ev(name, lvtpc, ctl_int, k, EV_INSNS, 1);
}

/* A USR-only counter armed in ring 0 overflows in ring 3 (re-armed at the
 * mode change): the PMI lands after 10 of the 20 user NOPs. */
static void t_overflow_user(void)
{
	begin();
	pmu_clear();
	pmi_setup(PMI_VECTOR);
	wrmsr(ctl_msr(0), CTL_EN | CTL_USR | CTL_INT | EV_INSNS);
	wrmsr(ctr_msr(0), BIT(48) - 10);
	win_user_iret(1, 0x202);		/* IF = 1 in ring 3 */
	expect("PMIs taken", 1, pmi_count);
	expect("PMI in ring 3 after 10 user insns (RIP - user_nops)", 10,
	       pmi_rip - (u64)user_nops);
	expect("counter after the wrap (21 user insns - 10)", 11, ctr(0));
	end("overflow-pmi-ring3");
}

/* An armed counter over a REP instruction: icount runs ahead of the count
 * (1000 iterations), the timer fires early and re-arms; one PMI, exact. */
static void t_overflow_rep(void)
{
	begin();
	pmu_clear();
	pmi_setup(PMI_VECTOR);
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | CTL_INT | EV_INSNS);
	wrmsr(ctr_msr(0), BIT(48) - 6);
	asm volatile("sti");
	win_rep_movsb(1, buf_dst, buf_src, 1000);
	asm volatile("cli");
	expect("PMIs taken", 1, pmi_count);
	expect("counter after the wrap (8 - 6 + handler 8)", 8 - 6 + 8, ctr(0));
	expect("GlobalStatus bit 0", 1, rdmsr(MSR_GLOBAL_STATUS) & 1);
	end("overflow-pmi-rep");
}

static void t_rdpmc(void)
{
	u64 v;
	int i;

	begin();
	pmu_clear();
	for (i = 0; i < 6; i++)
		wrmsr(ctr_msr(i), 0x100000001ULL * (i + 1));
	for (i = 0; i < 6; i++) {
		expect("RDPMC returns no fault", (u64)-1,
		       (u64)(int64_t)rdpmc_safe(i, &v));
		expect("RDPMC value = PERF_CTR (48-bit, EDX:EAX)",
		       0x100000001ULL * (i + 1), v);
	}
	expect("RDPMC ECX=6: #GP", 13, rdpmc_safe(6, &v));
	expect("RDPMC ECX=0x80000000: #GP", 13, rdpmc_safe(0x80000000, &v));

	/* CPL 3: CR4.PCE decides */
	setup_syscall();
	write_cr4(read_cr4() & ~BIT(8));
	trap_vector = -1;
	fixup_ip = (u64)user_rdpmc_done;
	user_rdpmc(1);
	fixup_ip = 0;
	expect("RDPMC at CPL 3 with CR4.PCE=0: #GP", 13, trap_vector);
	write_cr4(read_cr4() | BIT(8));
	trap_vector = -1;
	user_rdpmc_val = 0;
	fixup_ip = (u64)user_rdpmc_done;
	user_rdpmc(1);
	fixup_ip = 0;
	expect("RDPMC at CPL 3 with CR4.PCE=1: no fault", (u64)-1,
	       (u64)(int64_t)trap_vector);
	expect("RDPMC at CPL 3 with CR4.PCE=1: value (low 32 bits)", 2,
	       user_rdpmc_val);
	write_cr4(read_cr4() & ~BIT(8));
	end("rdpmc");
}

static void t_host_guest_nosvm(void)
{
	begin();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~BIT(12));
	expect("SVME=0, HO:GO=00", 100 + CLOSE,
	       count1(CTL_OS | EV_INSNS, win_nops));
	expect("SVME=0, HostOnly", 0,
	       count1(CTL_OS | CTL_HOSTONLY | EV_INSNS, win_nops));
	expect("SVME=0, GuestOnly", 0,
	       count1(CTL_OS | CTL_GUESTONLY | EV_INSNS, win_nops));
	expect("SVME=0, HostOnly|GuestOnly", 0,
	       count1(CTL_OS | CTL_HOSTONLY | CTL_GUESTONLY | EV_INSNS,
		      win_nops));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | BIT(12));
	expect("SVME=1 (host), HO:GO=00", 100 + CLOSE,
	       count1(CTL_OS | EV_INSNS, win_nops));
	expect("SVME=1 (host), HostOnly", 100 + CLOSE,
	       count1(CTL_OS | CTL_HOSTONLY | EV_INSNS, win_nops));
	expect("SVME=1 (host), GuestOnly", 0,
	       count1(CTL_OS | CTL_GUESTONLY | EV_INSNS, win_nops));
	expect("SVME=1 (host), HostOnly|GuestOnly", 100 + CLOSE,
	       count1(CTL_OS | CTL_HOSTONLY | CTL_GUESTONLY | EV_INSNS,
		      win_nops));
	end("host-guest-no-vmrun");
}

/* ---- SVM ---- */

static u8 vmcb[4096] __attribute__((aligned(4096)));
static u8 hsave[4096] __attribute__((aligned(4096)));

#define VMCB_INTERCEPT_EXCP	0x008
#define VMCB_INTERCEPT		0x00c
#define VMCB_IOPM		0x040
#define VMCB_MSRPM		0x048
#define VMCB_EXIT_INFO1		0x078
#define VMCB_EXIT_INFO2		0x080
#define VMCB_EVENT_INJ		0x0a8
#define VMCB_NEXT_RIP		0x0c8
#define EVENT_VALID		BIT(31)
#define EVENT_TYPE_EXEPT	(3 << 8)
#define EVENT_TYPE_SOFT		(4 << 8)
#define VMCB_ASID		0x058
#define VMCB_INT_CTL		0x060
#define V_INTR_MASKING		BIT(24)
#define VMCB_EXIT_CODE		0x070
#define VMCB_SAVE		0x400
#define SEG_ES			0x000
#define SEG_CS			0x010
#define SEG_SS			0x020
#define SEG_DS			0x030
#define SEG_GDTR		0x060
#define SEG_IDTR		0x080
#define SAVE_CPL		0x0cb
#define SAVE_EFER		0x0d0
#define SAVE_CR4		0x148
#define SAVE_CR3		0x150
#define SAVE_CR0		0x158
#define SAVE_DR7		0x160
#define SAVE_DR6		0x168
#define SAVE_RFLAGS		0x170
#define SAVE_RIP		0x178
#define SAVE_RSP		0x1d8
#define SAVE_RAX		0x1f8

#define INTERCEPT(exit)		BIT((exit) - 0x60)
#define EXIT_INTR		0x60
#define EXIT_RDPMC		0x6f
#define EXIT_SHUTDOWN		0x7f
#define EXIT_VMRUN		0x80
#define EXIT_VMMCALL		0x81
#define EXIT_EXCP(v)		(0x40 + (v))
#define EXIT_CPUID		0x72
#define EXIT_SWINT		0x75
#define EXIT_PAUSE		0x77
#define EXIT_HLT		0x78
#define EXIT_INVLPG		0x79
#define EXIT_IOIO		0x7b
#define EXIT_MSR		0x7c
#define EXIT_RDTSC		0x6e
#define EXIT_STGI		0x84
#define EXIT_CLGI		0x85

static void vmcb_seg(int off, u16 sel, u16 attrib, u32 limit, u64 base)
{
	u8 *s = vmcb + VMCB_SAVE + off;

	*(u16 *)(s + 0) = sel;
	*(u16 *)(s + 2) = attrib;
	*(u32 *)(s + 4) = limit;
	*(u64 *)(s + 8) = base;
}

static void vmcb_setup(void *rip, u64 intercepts)
{
	struct __attribute__((packed)) { u16 limit; u64 base; } gdtr, idtr;
	u64 cr0, cr3, cr4;
	int i;

	for (i = 0; i < 4096; i++)
		vmcb[i] = 0;
	asm volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	asm volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2"
		     : "=r"(cr0), "=r"(cr3), "=r"(cr4));
	*(u64 *)(vmcb + VMCB_INTERCEPT) = INTERCEPT(EXIT_VMRUN) |
		INTERCEPT(EXIT_VMMCALL) | INTERCEPT(EXIT_SHUTDOWN) | intercepts;
	*(u32 *)(vmcb + VMCB_ASID) = 1;
	vmcb_seg(SEG_CS, KERNEL_CS, 0xa9b, 0xffffffff, 0);
	vmcb_seg(SEG_SS, KERNEL_DS, 0xc93, 0xffffffff, 0);
	vmcb_seg(SEG_DS, KERNEL_DS, 0xc93, 0xffffffff, 0);
	vmcb_seg(SEG_ES, KERNEL_DS, 0xc93, 0xffffffff, 0);
	vmcb_seg(SEG_GDTR, 0, 0, gdtr.limit, gdtr.base);
	vmcb_seg(SEG_IDTR, 0, 0, idtr.limit, idtr.base);
	vmcb[VMCB_SAVE + SAVE_CPL] = 0;
	*(u64 *)(vmcb + VMCB_SAVE + SAVE_EFER) = rdmsr(MSR_EFER);
	*(u64 *)(vmcb + VMCB_SAVE + SAVE_CR0) = cr0;
	*(u64 *)(vmcb + VMCB_SAVE + SAVE_CR3) = cr3;
	*(u64 *)(vmcb + VMCB_SAVE + SAVE_CR4) = cr4;
	*(u64 *)(vmcb + VMCB_SAVE + SAVE_DR7) = 0x400;
	*(u64 *)(vmcb + VMCB_SAVE + SAVE_DR6) = 0xffff0ff0;
	*(u64 *)(vmcb + VMCB_SAVE + SAVE_RFLAGS) = 0x2;
	*(u64 *)(vmcb + VMCB_SAVE + SAVE_RIP) = (u64)rip;
	*(u64 *)(vmcb + VMCB_SAVE + SAVE_RSP) = (u64)guest_stack_top;
}

static u64 exit_code(void)
{
	return *(u64 *)(vmcb + VMCB_EXIT_CODE);
}

static void t_vmrun(void)
{
	const u64 host = 6, guest = 30 + 1 + 42, guest_br = 42;

	begin();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | BIT(12));
	wrmsr(MSR_VM_HSAVE_PA, (u64)hsave);
	vmcb_setup(guest_nops, 0);
	pmu_clear();
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | CTL_GUESTONLY | EV_INSNS);
	wrmsr(ctl_msr(1), CTL_EN | CTL_OS | CTL_HOSTONLY | EV_INSNS);
	wrmsr(ctl_msr(2), CTL_EN | CTL_OS | CTL_HOSTONLY | CTL_GUESTONLY |
			  EV_INSNS);
	wrmsr(ctl_msr(3), CTL_EN | CTL_OS | EV_INSNS);
	wrmsr(ctl_msr(4), CTL_EN | CTL_OS | CTL_GUESTONLY | EV_BRANCHES);
	wrmsr(ctl_msr(5), CTL_EN | CTL_OS | CTL_HOSTONLY | EV_BRANCHES);
	win_vmrun(0x3f, (u64)vmcb, 0);
	expect("#VMEXIT code (VMMCALL)", EXIT_VMMCALL, exit_code());
	expect("GuestOnly instructions (30 NOPs, mov, 42 x loop)", guest,
	       ctr(0));
	expect("HostOnly instructions (mov, VMRUN, mov, CLOSE)", host, ctr(1));
	expect("HostOnly|GuestOnly instructions", host + guest, ctr(2));
	expect("HO:GO=00 instructions", host + guest, ctr(3));
	expect("GuestOnly branches (VMRUN and #VMEXIT are not branches)",
	       guest_br, ctr(4));
	expect("HostOnly branches", 0, ctr(5));
	end("host-guest-vmrun");
}

/* A GuestOnly counter overflows in the guest: the PMI is a physical
 * interrupt, #VMEXIT(INTR) at the boundary of the 10th guest instruction;
 * the host takes it after STGI. */
static void t_vmrun_pmi(void)
{
	begin();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | BIT(12));
	wrmsr(MSR_VM_HSAVE_PA, (u64)hsave);
	vmcb_setup(guest_nops, INTERCEPT(EXIT_INTR));
	*(u32 *)(vmcb + VMCB_INT_CTL) = V_INTR_MASKING;
	pmu_clear();
	pmi_setup(PMI_VECTOR);
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | CTL_GUESTONLY | CTL_INT | EV_INSNS);
	wrmsr(ctr_msr(0), BIT(48) - 10);
	wrmsr(ctl_msr(1), CTL_EN | CTL_OS | CTL_HOSTONLY | EV_INSNS);
	asm volatile("sti");
	win_vmrun(0x3, (u64)vmcb, 0);
	asm volatile("cli");
	expect("#VMEXIT code (INTR)", EXIT_INTR, exit_code());
	expect("guest RIP at the exit (RIP - guest_nops)", 10,
	       *(u64 *)(vmcb + VMCB_SAVE + SAVE_RIP) - (u64)guest_nops);
	expect("GuestOnly counter after the wrap", 0, ctr(0));
	expect("GlobalStatus bit 0", 1, rdmsr(MSR_GLOBAL_STATUS) & 1);
	expect("HostOnly instructions (mov, VMRUN, mov, CLOSE)", 6, ctr(1));
	expect("PMIs taken by the host (after STGI)", 1, pmi_count);
	end("overflow-pmi-in-guest");
}

static void t_vmrun_rdpmc(void)
{
	begin();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | BIT(12));
	wrmsr(MSR_VM_HSAVE_PA, (u64)hsave);
	pmu_clear();
	wrmsr(ctr_msr(0), 0x1234);

	vmcb_setup(guest_rdpmc, INTERCEPT(EXIT_RDPMC));
	trap_vector = -1;
	fixup_ip = (u64)guest_rdpmc_done;
	win_vmrun(0, (u64)vmcb, 6);
	fixup_ip = 0;
	expect("RDPMC ECX=6 in the guest, intercepted: #GP in the guest", 13,
	       trap_vector);
	expect("  then the guest's VMMCALL exits", EXIT_VMMCALL, exit_code());

	vmcb_setup(guest_rdpmc, INTERCEPT(EXIT_RDPMC));
	trap_vector = -1;
	fixup_ip = (u64)guest_rdpmc_done;
	win_vmrun(0, (u64)vmcb, 0);
	fixup_ip = 0;
	expect("RDPMC ECX=0 in the guest, intercepted: #VMEXIT(RDPMC)",
	       EXIT_RDPMC, exit_code());
	expect("  no #GP", (u64)-1, (u64)(int64_t)trap_vector);

	vmcb_setup(guest_rdpmc, 0);
	guest_rdpmc_val = 0;
	fixup_ip = (u64)guest_rdpmc_done;
	win_vmrun(0, (u64)vmcb, 0);
	fixup_ip = 0;
	expect("RDPMC ECX=0 in the guest, not intercepted: the counter", 0x1234,
	       guest_rdpmc_val);
	expect("  then the guest's VMMCALL exits", EXIT_VMMCALL, exit_code());
	end("rdpmc-svm-priority");
}

/*
 * NRIP save (APM Vol. 2, 15.7.1): for an instruction intercept (and the #BP,
 * #OF, #BR of INT3, INTO, BOUND), VMCB.next_rip is the address of the next
 * sequential instruction; every other exit writes 0.  next_rip is filled with
 * garbage before each VMRUN; the expected value comes from the bytes of the
 * guest code (boot.S, nrip_case), prefixes included.
 */
static u8 iopm[3 * 4096] __attribute__((aligned(4096)));
static u8 msrpm[2 * 4096] __attribute__((aligned(4096)));

struct nrip_case {
	const char *name;
	char *entry, *insn, *end;
	u64 intercept;		/* instruction intercepts, INTERCEPT() bits */
	u32 excp;		/* exception intercepts */
	u64 exit;
	bool has_nrip;
};

#define NRIP(n, icpt, ex, code, has) \
	{ "nrip-" #n, nrip_##n##_entry, nrip_##n, nrip_##n##_end, icpt, ex, code, has }

static const struct nrip_case nrip_cases[] = {
	NRIP(cpuid, INTERCEPT(EXIT_CPUID), 0, EXIT_CPUID, true),
	NRIP(cs_cpuid, INTERCEPT(EXIT_CPUID), 0, EXIT_CPUID, true),
	NRIP(pause, INTERCEPT(EXIT_PAUSE), 0, EXIT_PAUSE, true),
	NRIP(rdmsr_rexw, INTERCEPT(EXIT_MSR), 0, EXIT_MSR, true),
	NRIP(wrmsr, INTERCEPT(EXIT_MSR), 0, EXIT_MSR, true),
	NRIP(hlt, INTERCEPT(EXIT_HLT), 0, EXIT_HLT, true),
	NRIP(rdtsc, INTERCEPT(EXIT_RDTSC), 0, EXIT_RDTSC, true),
	NRIP(rdpmc, INTERCEPT(EXIT_RDPMC), 0, EXIT_RDPMC, true),
	NRIP(invlpg, INTERCEPT(EXIT_INVLPG), 0, EXIT_INVLPG, true),
	NRIP(vmmcall, 0, 0, EXIT_VMMCALL, true),
	NRIP(stgi, INTERCEPT(EXIT_STGI), 0, EXIT_STGI, true),
	NRIP(clgi, INTERCEPT(EXIT_CLGI), 0, EXIT_CLGI, true),
	NRIP(in_dx, INTERCEPT(EXIT_IOIO), 0, EXIT_IOIO, true),
	NRIP(out_imm, INTERCEPT(EXIT_IOIO), 0, EXIT_IOIO, true),
	NRIP(rep_insb, INTERCEPT(EXIT_IOIO), 0, EXIT_IOIO, true),
	NRIP(opsize_in, INTERCEPT(EXIT_IOIO), 0, EXIT_IOIO, true),
	NRIP(int_n, INTERCEPT(EXIT_SWINT), 0, EXIT_SWINT, true),
	NRIP(int3, 0, BIT(3), EXIT_EXCP(3), true),
	NRIP(ud2, 0, BIT(6), EXIT_EXCP(6), false),
};

static void nrip_setup(char *rip, u64 intercept, u32 excp)
{
	vmcb_setup(rip, intercept);
	*(u32 *)(vmcb + VMCB_INTERCEPT_EXCP) = excp;
	*(u64 *)(vmcb + VMCB_IOPM) = (u64)iopm;
	*(u64 *)(vmcb + VMCB_MSRPM) = (u64)msrpm;
	*(u64 *)(vmcb + VMCB_NEXT_RIP) = 0xdeadbeefdeadbeefull;
}

static void t_nrip(void)
{
	unsigned int i, ecx, edx;

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | BIT(12));
	wrmsr(MSR_VM_HSAVE_PA, (u64)hsave);
	for (i = 0; i < sizeof(iopm); i++)
		iopm[i] = 0xff;
	for (i = 0; i < sizeof(msrpm); i++)
		msrpm[i] = 0xff;

	begin();
	asm volatile("cpuid" : "=c"(ecx), "=d"(edx) : "a"(0x8000000a), "c"(0) : "ebx");
	expect("CPUID Fn8000_000A EDX[3] (NRIPS)", 1, (edx >> 3) & 1);
	end("nrip-cpuid-bit");

	for (i = 0; i < sizeof(nrip_cases) / sizeof(nrip_cases[0]); i++) {
		const struct nrip_case *c = &nrip_cases[i];

		begin();
		nrip_setup(c->entry, c->intercept, c->excp);
		win_vmrun(0, (u64)vmcb, 0);
		expect("exit code", c->exit, exit_code());
		expect("guest RIP at the exit - the instruction", 0,
		       *(u64 *)(vmcb + VMCB_SAVE + SAVE_RIP) - (u64)c->insn);
		expect("next_rip - the instruction (its length; 0: next_rip is 0)",
		       c->has_nrip ? (u64)(c->end - c->insn) : -(u64)c->insn,
		       *(u64 *)(vmcb + VMCB_NEXT_RIP) - (u64)c->insn);
		if (c->exit == EXIT_IOIO)
			expect("EXITINFO2 (the next RIP) = next_rip",
			       *(u64 *)(vmcb + VMCB_EXIT_INFO2),
			       *(u64 *)(vmcb + VMCB_NEXT_RIP));
		end(c->name);
	}

	/*
	 * Event injection with NRIPS: the hypervisor leaves save.rip at the
	 * INT n / INT3 and puts the return address in next_rip; the CPU pushes
	 * next_rip.  Were save.rip pushed, the guest would run the instruction
	 * again, which the SWINT / #BP intercept catches.
	 */
	begin();
	nrip_setup(nrip_inject_int, INTERCEPT(EXIT_SWINT), 0);
	*(u64 *)(vmcb + VMCB_NEXT_RIP) = (u64)nrip_inject_int + 2;
	*(u32 *)(vmcb + VMCB_EVENT_INJ) = EVENT_VALID | EVENT_TYPE_SOFT | 0x80;
	win_vmrun(0, (u64)vmcb, 0);
	expect("injected SOFT 0x80 returns to next_rip: the VMMCALL exits",
	       EXIT_VMMCALL, exit_code());
	expect("  at next_rip", (u64)nrip_inject_int + 2,
	       *(u64 *)(vmcb + VMCB_SAVE + SAVE_RIP));
	end("nrip-inject-soft");

	begin();
	set_gate(3, (u64)int80_handler);
	nrip_setup(nrip_inject_int3, 0, BIT(3));
	*(u64 *)(vmcb + VMCB_NEXT_RIP) = (u64)nrip_inject_int3 + 1;
	*(u32 *)(vmcb + VMCB_EVENT_INJ) = EVENT_VALID | EVENT_TYPE_EXEPT | 3;
	win_vmrun(0, (u64)vmcb, 0);
	set_gate(3, trap_stub_addr(3));
	expect("injected #BP (EXEPT) returns to next_rip: the VMMCALL exits",
	       EXIT_VMMCALL, exit_code());
	expect("  at next_rip", (u64)nrip_inject_int3 + 1,
	       *(u64 *)(vmcb + VMCB_SAVE + SAVE_RIP));
	end("nrip-inject-bp");
}

static void t_cycles(int shift)
{
	begin();
	print("# | -icount shift=%d: a cycle is 2^shift instructions' time\n",
	      shift);
	expect("cycles over 100 NOPs + CLOSE", (100 + CLOSE) << shift,
	       count1(CTL_OS | EV_CYCLES, win_nops));
	expect("instructions over the same", 100 + CLOSE,
	       count1(CTL_OS | EV_INSNS, win_nops));
	expect("an unimplemented event (0x2c) counts nothing", 0,
	       count1(CTL_OS | 0x2c, win_nops));
	end("cycles");
}

/*
 * CntMask, Inv and Edge compare the events of each cycle.  The model's cycle:
 * an icount step takes 2^shift cycles, its events in the first.  icount
 * steps through a REP string instruction once per iteration, and once more to
 * find RCX = 0 (QEMU's do_gen_rep() under icount): a 1000-byte rep movsb is
 * 1000 cycles without a retired instruction, then one that retires it.  So at
 * shift 0 every cycle of win_nops retires one instruction, and "loop ." is 42
 * consecutive cycles with a branch.
 */
static void win_rep1000(u32 mask)
{
	win_rep_movsb(mask, buf_dst, buf_src, 1000);
}

#define NOPS_W		(100 + CLOSE)		/* win_nops: instructions */
#define REP_W		(3 + 1 + 1 + CLOSE)	/* win_rep1000: instructions */
#define REP_ITER	1000			/* its cycles without one */
#define LOOP_W		(1 + 42 + 1 + CLOSE)	/* win_loop: instructions */

static void t_cntmask(void)
{
	begin();
	expect("insns CntMask 0, 100 NOPs", NOPS_W,
	       count1(CTL_OS | EV_INSNS, win_nops));
	expect("insns CntMask 1, 100 NOPs", NOPS_W,
	       count1(CTL_OS | EV_INSNS | CNTMASK(1), win_nops));
	expect("insns CntMask 2, 100 NOPs (1 per cycle < 2)", 0,
	       count1(CTL_OS | EV_INSNS | CNTMASK(2), win_nops));
	expect("insns CntMask 255, 100 NOPs", 0,
	       count1(CTL_OS | EV_INSNS | CNTMASK(255), win_nops));
	expect("insns CntMask 1, rep movsb 1000 (cycles retiring one)", REP_W,
	       count1(CTL_OS | EV_INSNS | CNTMASK(1), win_rep1000));
	expect("cycles CntMask 1, rep movsb 1000 (every cycle)",
	       REP_W + REP_ITER,
	       count1(CTL_OS | EV_CYCLES | CNTMASK(1), win_rep1000));
	expect("cycles CntMask 2, 100 NOPs", 0,
	       count1(CTL_OS | EV_CYCLES | CNTMASK(2), win_nops));
	expect("branches CntMask 1, loop . x 42", 42,
	       count1(CTL_OS | EV_BRANCHES | CNTMASK(1), win_loop));
	expect("branches CntMask 2, loop . x 42", 0,
	       count1(CTL_OS | EV_BRANCHES | CNTMASK(2), win_loop));
	expect("an unimplemented event (0x2c) with CntMask 1 and Inv", 0,
	       count1(CTL_OS | 0x2c | CNTMASK(1) | CTL_INV, win_nops));
	end("cntmask");
}

static void t_cntmask_inv(void)
{
	begin();
	expect("insns Inv CntMask 1, 100 NOPs (no cycle without one)", 0,
	       count1(CTL_OS | EV_INSNS | CTL_INV | CNTMASK(1), win_nops));
	expect("insns Inv CntMask 2, 100 NOPs (every cycle has < 2)", NOPS_W,
	       count1(CTL_OS | EV_INSNS | CTL_INV | CNTMASK(2), win_nops));
	expect("insns Inv CntMask 0, 100 NOPs (Inv needs CntMask)", NOPS_W,
	       count1(CTL_OS | EV_INSNS | CTL_INV, win_nops));
	expect("insns Inv CntMask 1, rep movsb 1000 (its re-entries)", REP_ITER,
	       count1(CTL_OS | EV_INSNS | CTL_INV | CNTMASK(1), win_rep1000));
	expect("branches Inv CntMask 1, loop . x 42 (the other insns)",
	       LOOP_W - 42,
	       count1(CTL_OS | EV_BRANCHES | CTL_INV | CNTMASK(1), win_loop));
	expect("cycles Inv CntMask 1, 100 NOPs", 0,
	       count1(CTL_OS | EV_CYCLES | CTL_INV | CNTMASK(1), win_nops));
	end("cntmask-inv");
}

static void t_edge(void)
{
	begin();
	expect("insns Edge CntMask 1, 100 NOPs (one run)", 1,
	       count1(CTL_OS | EV_INSNS | CTL_EDGE | CNTMASK(1), win_nops));
	expect("insns Edge CntMask 0, 100 NOPs (as CntMask 1)", 1,
	       count1(CTL_OS | EV_INSNS | CTL_EDGE, win_nops));
	expect("insns Edge CntMask 2, 100 NOPs (never)", 0,
	       count1(CTL_OS | EV_INSNS | CTL_EDGE | CNTMASK(2), win_nops));
	expect("insns Edge Inv CntMask 2, 100 NOPs (always: one edge)", 1,
	       count1(CTL_OS | EV_INSNS | CTL_EDGE | CTL_INV | CNTMASK(2),
		      win_nops));
	expect("insns Edge CntMask 1, rep movsb 1000 (start, end of the REP)", 2,
	       count1(CTL_OS | EV_INSNS | CTL_EDGE | CNTMASK(1), win_rep1000));
	expect("insns Edge Inv CntMask 1, rep movsb 1000 (its re-entries)", 1,
	       count1(CTL_OS | EV_INSNS | CTL_EDGE | CTL_INV | CNTMASK(1),
		      win_rep1000));
	expect("branches Edge CntMask 1, loop . x 42 (one run)", 1,
	       count1(CTL_OS | EV_BRANCHES | CTL_EDGE | CNTMASK(1), win_loop));
	expect("branches Edge CntMask 1, 20 Jcc each after a CMP", 20,
	       count1(CTL_OS | EV_BRANCHES | CTL_EDGE | CNTMASK(1), win_jcc));
	expect("branches Edge Inv CntMask 1, 20 CMPs each after a Jcc or the start, CLOSE",
	       21, count1(CTL_OS | EV_BRANCHES | CTL_EDGE | CTL_INV | CNTMASK(1),
			  win_jcc));
	expect("cycles Edge CntMask 1, 100 NOPs", 1,
	       count1(CTL_OS | EV_CYCLES | CTL_EDGE | CNTMASK(1), win_nops));
	end("edge");
}

/* -icount shift=1: an instruction is 2 cycles, one with its events, one without. */
static void t_cntmask_shift1(void)
{
	begin();
	expect("insns CntMask 1, 100 NOPs", NOPS_W,
	       count1(CTL_OS | EV_INSNS | CNTMASK(1), win_nops));
	expect("insns Inv CntMask 1, 100 NOPs (each second cycle)", NOPS_W,
	       count1(CTL_OS | EV_INSNS | CTL_INV | CNTMASK(1), win_nops));
	expect("insns Edge CntMask 1, 100 NOPs (every instruction)", NOPS_W,
	       count1(CTL_OS | EV_INSNS | CTL_EDGE | CNTMASK(1), win_nops));
	expect("insns Edge Inv CntMask 1, 100 NOPs", NOPS_W,
	       count1(CTL_OS | EV_INSNS | CTL_EDGE | CTL_INV | CNTMASK(1),
		      win_nops));
	expect("insns CntMask 2, 100 NOPs", 0,
	       count1(CTL_OS | EV_INSNS | CNTMASK(2), win_nops));
	expect("cycles CntMask 1, 100 NOPs", 2 * NOPS_W,
	       count1(CTL_OS | EV_CYCLES | CNTMASK(1), win_nops));
	expect("cycles Edge CntMask 1, 100 NOPs", 1,
	       count1(CTL_OS | EV_CYCLES | CTL_EDGE | CNTMASK(1), win_nops));
	end("cntmask-shift1");
}

/* ---- variants ---- */

/* -perfmon-v2: no global MSRs, GlobalCtl does not gate. */
static void v1_cases(void)
{
	u32 a, b, c, d, diff;
	u64 v;
	int i;

	begin();
	cpuid(0x80000022, &a, &b, &c, &d);
	expect("CPUID 0x80000022 EAX", 0, a);
	expect("CPUID 0x80000022 EBX", 0, b);
	cpuid(0x80000001, &a, &b, &c, &d);
	expect("CPUID 0x80000001 ECX[23] PerfCtrExtCore", 1, (c >> 23) & 1);
	end("cpuid");

	begin();
	for (i = 0; i < 4; i++)
		expect("global MSR: rdmsr #GP", 13,
		       rdmsr_safe(MSR_GLOBAL_STATUS + i, &v));
	for (i = 0; i < 4; i++)
		expect("global MSR: wrmsr #GP", 13,
		       wrmsr_safe(MSR_GLOBAL_STATUS + i, 0));
	end("no-global-msrs");

	begin();
	wrmsr(ctr_msr(5), 0);
	wrmsr(ctl_msr(5), CTL_EN | CTL_OS | EV_INSNS);
	/* rdmsr counts itself: mov r8d + 100 NOPs + the second rdmsr = 102 */
	asm volatile("rdmsr\n\t"
		     "mov %%eax, %%r8d\n\t"
		     ".rept 100\n\tnop\n\t.endr\n\t"
		     "rdmsr\n\t"
		     "sub %%r8d, %%eax"
		     : "=a"(diff) : "c"(ctr_msr(5)) : "rdx", "r8");
	wrmsr(ctl_msr(5), 0);
	expect("counter 5 counts with EN alone (no GlobalCtl in v1)", 102, diff);
	end("v1-counting");
}

/* x-amd-pmu-strict=off, the default: reserved bits are dropped, no #GP. */
static void lenient_cases(void)
{
	begin();
	pmu_clear();
	expect("PERF_CTL bits 19|21|42 with EV_INSNS: no #GP", (u64)-1,
	       (u64)(int64_t)wrmsr_safe(ctl_msr(0), BIT(19) | BIT(21) | BIT(42) |
					EV_INSNS));
	expect("  reads back without them", EV_INSNS, rdmsr(ctl_msr(0)));
	expect("PERF_CTR bit 48|5: no #GP", (u64)-1,
	       (u64)(int64_t)wrmsr_safe(ctr_msr(0), BIT(48) | 5));
	expect("  reads back 5", 5, rdmsr(ctr_msr(0)));
	expect("GlobalCtl bit 6|0: no #GP", (u64)-1,
	       (u64)(int64_t)wrmsr_safe(MSR_GLOBAL_CTL, BIT(6) | 1));
	expect("  reads back 1", 1, rdmsr(MSR_GLOBAL_CTL));
	expect("0xc001020c still #GPs (no such counter)", 13,
	       wrmsr_safe(0xc001020c, 0));
	end("reserved-bits-dropped");
}

/*
 * x-amd-pmu-strict=on (a debugging aid, not hardware behaviour): reserved
 * PERF_CTL and GlobalCtl bits #GP; counter writes are still accepted.
 */
static void strict_cases(void)
{
	u64 v;

	begin();
	pmu_clear();
	wrmsr(ctl_msr(0), EV_INSNS);
	expect("PERF_CTL bit 19: #GP", 13, wrmsr_safe(ctl_msr(0), BIT(19)));
	expect("  value unchanged", EV_INSNS, rdmsr(ctl_msr(0)));
	expect("K7 PERF_CTL1 bit 42: #GP", 13,
	       wrmsr_safe(MSR_K7_EVNTSEL0 + 1, BIT(42)));
	expect("GlobalCtl bit 6: #GP", 13, wrmsr_safe(MSR_GLOBAL_CTL, BIT(6)));
	expect("  value unchanged", 0, rdmsr(MSR_GLOBAL_CTL));
	expect("PERF_CTR0 = 0xffffffffff676970: no #GP", (u64)-1,
	       (u64)(int64_t)wrmsr_safe(ctr_msr(0), 0xffffffffff676970ULL));
	expect("  reads back bits 47:0", 0xffffff676970ULL, rdmsr(ctr_msr(0)));
	expect("K7 PERF_CTR3 = -1: no #GP", (u64)-1,
	       (u64)(int64_t)wrmsr_safe(MSR_K7_PERFCTR0 + 3, ~0ULL));
	expect("  reads back 2^48-1", CTR_MASK, rdmsr(MSR_K7_PERFCTR0 + 3));
	expect("0xc001020c: #GP", 13, rdmsr_safe(0xc001020c, &v));
	end("strict-reserved-bits");
}

/* x-amd-pmu=off (QEMU's own behaviour, the rig's default): nothing. */
static void off_cases(void)
{
	u32 a, b, c, d;
	u64 v;

	begin();
	cpuid(0x80000001, &a, &b, &c, &d);
	expect("CPUID 0x80000001 ECX[23] PerfCtrExtCore", 0, (c >> 23) & 1);
	cpuid(0x80000022, &a, &b, &c, &d);
	expect("CPUID 0x80000022 EAX", 0, a);
	expect("CPUID 0x80000022 EBX", 0, b);
	end("cpuid");

	begin();
	wrmsr(ctl_msr(0), CTL_EN | CTL_OS | EV_INSNS);
	expect("PERF_CTL reads 0 (writes dropped)", 0, rdmsr(ctl_msr(0)));
	expect("PERF_CTR reads 0", 0, rdmsr(ctr_msr(0)));
	expect("PerfCntrGlobalCtl reads 0", 0, rdmsr(MSR_GLOBAL_CTL));
	expect("RDPMC raises #UD", 6, rdpmc_safe(0, &v));
	wrmsr(ctl_msr(0), 0);
	end("no-pmu");
}

static bool cmdline_has(u32 mbi, const char *word)
{
	const char *s, *w;

	if (!mbi || !(*(u32 *)(u64)mbi & BIT(2)))
		return false;
	s = (const char *)(u64)*(u32 *)(u64)(mbi + 16);
	for (; *s; s++) {
		for (w = word; *w && s[w - word] == *w; w++)
			;
		if (!*w && (!s[w - word] || s[w - word] == ' '))
			return true;
	}
	return false;
}

int stage0_main(u32 mbi);
int stage0_main(u32 mbi)
{
	if (cmdline_has(mbi, "v1"))
		variant = "v1";
	else if (cmdline_has(mbi, "off"))
		variant = "off";
	else if (cmdline_has(mbi, "shift1"))
		variant = "shift1";
	else if (cmdline_has(mbi, "lenient"))
		variant = "lenient";
	else if (cmdline_has(mbi, "strict"))
		variant = "strict";
	print("# stage0 (%s): emulated AMD PerfMonV2 PMU vs. hand-computed counts\n",
	      variant);

	if (streq(variant, "v2")) {
		t_reset_values();	/* first: nothing written yet */
		t_cpuid();
		t_window();
		t_straight();
		t_loop();
		t_jcc();
		t_call();
		t_rep_movsb();
		t_ls_dispatch();
		t_int_n();
		t_ud2();
		setup_syscall();
		user_split("os-usr-iret-syscall", win_user_iret_noif, 7);
		user_split("os-usr-sysret-syscall", win_user_sysret, 4);
		t_user_fault();
		t_user_int();
		t_svme_toggle();
		t_gating();
		t_legacy();
		t_reserved();
		t_counter_write();
		t_status_set_clr();
		overflow("overflow-pmi-k1", PMI_VECTOR, CTL_INT, 1);
		overflow("overflow-pmi-k7", PMI_VECTOR, CTL_INT, 7);
		overflow("overflow-pmi-k50", PMI_VECTOR, CTL_INT, 50);
		overflow("overflow-pmi-nmi", APIC_DM_NMI, CTL_INT, 10);
		overflow("overflow-lvtpc-masked", PMI_VECTOR | APIC_LVT_MASKED,
			 CTL_INT, 10);
		overflow("overflow-no-int", PMI_VECTOR, 0, 10);
		t_overflow_user();
		t_overflow_rep();
		t_rdpmc();
		t_host_guest_nosvm();
		t_vmrun();
		t_vmrun_pmi();
		t_vmrun_rdpmc();
		t_nrip();
		t_cycles(0);
		t_cntmask();
		t_cntmask_inv();
		t_edge();
		overflow_ev("overflow-pmi-cntmask1", PMI_VECTOR, CTL_INT, 7,
			    EV_INSNS | CNTMASK(1), 1);
	} else if (streq(variant, "shift1")) {
		t_cycles(1);
		t_loop();
		overflow("overflow-pmi-k7", PMI_VECTOR, CTL_INT, 7);
		overflow_ev("overflow-pmi-cycles-k7", PMI_VECTOR, CTL_INT, 7,
			    EV_CYCLES, 2);
		t_cntmask_shift1();
	} else if (streq(variant, "v1")) {
		v1_cases();
	} else if (streq(variant, "lenient")) {
		lenient_cases();
	} else if (streq(variant, "strict")) {
		strict_cases();
	} else {
		off_cases();
	}
	print("1..%d\n", ntests);
	print("# RIG-DONE\n");
	(void)skip;
	return nfailed ? 1 : 0;
}
