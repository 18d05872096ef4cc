/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the VMI backend share, and nothing else.
 *
 * One struct describes the ROM the probe accepted; it is filled before the
 * first fixmap use and is read-only after init. vmi_native_reason is set
 * whenever the kernel stays native, so debugfs and the selftests can tell
 * "no ROM" from "ROM refused" from "disabled".
 */
#ifndef _VMI_PRIVATE_H
#define _VMI_PRIVATE_H

#include <linux/cache.h>
#include <linux/init.h>
#include <linux/linkage.h>
#include <asm/vmi/abi.h>
#include "rom_check.h"

/* vmi= options, one bit each. */
#define VMI_OPT_OFF	BIT(0)	/* stay native */
#define VMI_OPT_NOMM	BIT(1)	/* page tables and TLB stay native */
#define VMI_OPT_NOTIMER	BIT(2)	/* no ROM clocksource/clockevents */
#define VMI_OPT_NOIRQ	BIT(3)	/* interrupt flag and IRET/SYSEXIT native */
#define VMI_OPT_NOAPIC	BIT(4)	/* local APIC accessed natively */
#define VMI_OPT_NOSMP	BIT(5)	/* APs started with INIT/SIPI natively */
#define VMI_OPT_NOLAZY	BIT(6)	/* no lazy-mode batching: eager updates */

struct vmi_rom {
	const u8 *image;		/* direct-map address of the image */
	unsigned long phys;
	struct vmi_rom_info info;
	struct vmi_relocation_info reloc[VMI_CALL_COUNT];
	unsigned int relocs_by_type[4];
	unsigned int bound;		/* pv_ops slots pointing into the ROM */
	const struct vmi_rom_state *state;	/* NULL when not published */
};

extern struct vmi_rom vmi_rom;
extern bool vmi_active;
extern unsigned long vmi_options;
extern char vmi_native_reason[96];

int __init vmi_query_relocations(void);
void __init vmi_bind(void);

/* Address of a call the ROM implements with CALL_REL, or NULL. */
static inline void *vmi_call_target(unsigned int call)
{
	const struct vmi_relocation_info *rel = &vmi_rom.reloc[call];

	if (!vmi_active || rel->type != VMI_RELOCATION_CALL_REL)
		return NULL;
	return (void *)(unsigned long)rel->eip;
}

/* smp.c: linear-map slots every CPU registers; AP start-up. */
bool vmi_linear_map_usable(void);
void vmi_linear_map_all(unsigned int slot, unsigned long va,
			unsigned long pages, unsigned long pfn);
void __init vmi_smp_init(void);
/* smp_entry.S: where an AP started by the ROM begins; it calls this. */
void vmi_ap_entry(void);
asmlinkage void vmi_ap_start(void);

/* apic.c: the APIC page for the ROM; APIC accessors through the ROM. */
#ifdef CONFIG_X86_LOCAL_APIC
void __init vmi_apic_init(void);
#else
static inline void vmi_apic_init(void) { }
#endif

#endif /* _VMI_PRIVATE_H */
