/* Constants shared by boot.S and stage0.c. */
#ifndef STAGE0_H
#define STAGE0_H

#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define USER_DS		0x1b
#define USER_CS		0x23
#define TSS_SEL		0x28

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_SFMASK		0xc0000084
#define MSR_VM_HSAVE_PA		0xc0010117
#define MSR_K7_EVNTSEL0		0xc0010000
#define MSR_K7_PERFCTR0		0xc0010004
#define MSR_PERF_CTL0		0xc0010200
#define MSR_GLOBAL_STATUS	0xc0000300
#define MSR_GLOBAL_CTL		0xc0000301
#define MSR_GLOBAL_STATUS_CLR	0xc0000302
#define MSR_GLOBAL_STATUS_SET	0xc0000303

#define PMI_VECTOR	0xf5

#endif
