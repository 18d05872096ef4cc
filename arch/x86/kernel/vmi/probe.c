// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM discovery and activation.
 *
 * Owns the early part of VMI: the vmi= command line, the scan of the
 * option-ROM window, the address-space reservation a ROM asks for, the
 * VMI_Init call and the identification line. vmi_init() runs at the very
 * top of setup_arch(), before the first fixmap is set, because
 * reserve_top_address() must move the fixmap before anything uses it; so
 * it reads boot_command_line itself rather than waiting for early_param.
 *
 * Rules:
 *  - Any defect found before binding leaves the kernel native, with one
 *    "vmi:" line that names the reason. Nothing is bound until every
 *    relocation the ROM hands out has been checked.
 *  - The kernel runs where VMI_Init returns: CPL 0, or CPL 1 behind a ROM
 *    whose monitor owns ring 0 (vmi_kernel_rpl; Documentation/virt/vmi/
 *    ring1.rst). Any other level cannot be backed out of: a panic.
 *  - The ROM executes from its direct-map alias, which must stay executable
 *    when init_mem_mapping() rebuilds the page tables: the range is
 *    registered with the 32-bit mapping code before that happens.
 *  - vmi=stats turns the vmi_stats static key on once static keys can
 *    change (an early initcall); without it no statistic is counted.
 */
#define pr_fmt(fmt) "vmi: " fmt

#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/irqflags.h>
#include <linux/memblock.h>
#include <linux/panic.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <asm/cmdline.h>
#include <asm/e820/types.h>
#include <asm/fixmap.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/segment.h>
#include <asm/setup.h>
#include <asm/vmi/vmi.h>

#include "vmi.h"

struct vmi_rom vmi_rom __ro_after_init;
bool vmi_active __ro_after_init;
/* The kernel's CPL once VMI_Init returned: 0, or 1 behind a monitor. */
unsigned int vmi_kernel_rpl __ro_after_init;
unsigned long vmi_options __ro_after_init;
char vmi_native_reason[96] __ro_after_init = "VMI support not initialised";

struct vmi_option {
	const char *name;
	unsigned long bit;
};

static const struct vmi_option vmi_option_names[] __initconst = {
	{ "off",	VMI_OPT_OFF },
	{ "nomm",	VMI_OPT_NOMM },
	{ "notimer",	VMI_OPT_NOTIMER },
	{ "noirq",	VMI_OPT_NOIRQ },
	{ "noapic",	VMI_OPT_NOAPIC },
	{ "nosmp",	VMI_OPT_NOSMP },
	{ "nolazy",	VMI_OPT_NOLAZY },
	{ "verify",	VMI_OPT_VERIFY },
	{ "stats",	VMI_OPT_STATS },
	{ "batch",	VMI_OPT_BATCH },
#ifdef CONFIG_VMI_DEBUG
	{ "drop-pmd-update", VMI_OPT_DROP_PMD_UPDATE },
#endif
};

/*
 * vmi=opt[,opt...]. Unknown words are reported and ignored, so a typo
 * never costs the boot.
 */
static void __init vmi_parse_cmdline(void)
{
	char buf[64], *opts, *word;
	unsigned int i;

	if (cmdline_find_option(boot_command_line, "vmi", buf, sizeof(buf)) <= 0)
		return;

	opts = buf;
	while ((word = strsep(&opts, ",")) != NULL) {
		if (!*word)
			continue;
		for (i = 0; i < ARRAY_SIZE(vmi_option_names); i++) {
			if (!strcmp(word, vmi_option_names[i].name)) {
				vmi_options |= vmi_option_names[i].bit;
				break;
			}
		}
		if (i == ARRAY_SIZE(vmi_option_names))
			pr_warn("ignoring unknown option vmi=%s\n", word);
	}
}

DEFINE_STATIC_KEY_FALSE(vmi_stats);

static int __init vmi_stats_init(void)
{
	if (!vmi_active || !(vmi_options & VMI_OPT_STATS))
		return 0;
	if (IS_ENABLED(CONFIG_DEBUG_FS))
		static_branch_enable(&vmi_stats);
	else
		pr_warn("vmi=stats needs CONFIG_DEBUG_FS to show them; ignored\n");
	return 0;
}
early_initcall(vmi_stats_init);

/* The real parsing happened in vmi_init(); this keeps vmi= off init's argv. */
static int __init vmi_early_param(char *arg)
{
	return 0;
}
early_param("vmi", vmi_early_param);

static void __init vmi_stay_native(const char *fmt, const char *detail)
{
	snprintf(vmi_native_reason, sizeof(vmi_native_reason), fmt, detail);
}

/*
 * Walk the window in 2 KiB steps. A candidate that is a VMI ROM but fails
 * validation is reported and skipped; the scan goes on, since the ABI
 * allows several ROMs and the first good one wins.
 */
static bool __init vmi_scan(void)
{
	unsigned long pa = VMI_SCAN_START;
	const char *first_reason = NULL;

	while (pa < VMI_SCAN_END) {
		const u8 *image = __va(pa);
		struct vmi_rom_info info;
		enum vmi_rom_verdict verdict;

		verdict = vmi_rom_check(image, VMI_SCAN_END - pa, &info);
		if (verdict == VMI_ROM_NOT_ROM || verdict == VMI_ROM_NOT_VMI) {
			pa += VMI_SCAN_STEP;
			continue;
		}
		if (verdict != VMI_ROM_OK) {
			if (info.field && (verdict == VMI_ROM_BAD_OFFSET ||
					   verdict == VMI_ROM_UNTERMINATED))
				pr_warn("ROM at %#lx rejected: %s (%s)\n", pa,
					vmi_rom_verdict_str(verdict), info.field);
			else if (verdict == VMI_ROM_BAD_VERSION)
				pr_warn("ROM at %#lx rejected: %s %u.%u\n", pa,
					vmi_rom_verdict_str(verdict),
					info.api_major, info.api_minor);
			else if (verdict == VMI_ROM_VIRTUAL_TOP)
				pr_warn("ROM at %#lx rejected: %s (%#x)\n", pa,
					vmi_rom_verdict_str(verdict),
					info.virtual_top);
			else
				pr_warn("ROM at %#lx rejected: %s\n", pa,
					vmi_rom_verdict_str(verdict));
			if (!first_reason)
				first_reason = vmi_rom_verdict_str(verdict);
			pa += VMI_SCAN_STEP;
			continue;
		}

		if (info.warnings & VMI_ROM_WARN_PCI_ID)
			pr_warn("ROM at %#lx from unknown manufacturer (PCI ID %04x:%04x), using it\n",
				pa, info.vendor_id, info.device_id);
		if (info.warnings & VMI_ROM_WARN_CHECKSUM)
			pr_warn("ROM at %#lx does not sum to 0 in memory (the BIOS checked it at load), using it\n",
				pa);
		vmi_rom.image = image;
		vmi_rom.phys = pa;
		vmi_rom.info = info;
		return true;
	}

	if (first_reason) {
		vmi_stay_native("ROM rejected: %s", first_reason);
		pr_info("no usable VMI ROM, running native\n");
	} else {
		vmi_stay_native("%s", "no VMI ROM found");
		pr_info("no VMI ROM found, running native\n");
	}
	return false;
}

/* The BIOS data area's base-memory size in KiB; a ROM lowers it to steal. */
#define VMI_BDA_BASE_MEM_KIB	0x413

/*
 * The project ROM publishes where it keeps its counters (see abi.h). Use
 * the block only if it is self-consistent and lies in low memory the BIOS
 * took for itself (above the BDA's base-memory size, which
 * reserve_bios_regions() keeps from the allocator). A block below that
 * size is memory the kernel would hand out while the ROM writes to it:
 * reserve it, and do not use it.
 */
static void __init vmi_find_rom_state(void)
{
	const struct vmi_rom_ext *ext = (const void *)(vmi_rom.image +
						       VMI_EXT_OFFSET);
	const struct vmi_rom_state *state;
	u32 base_end;

	if (ext->magic != VMI_EXT_MAGIC || ext->rom_phys != vmi_rom.phys ||
	    ext->state_size < sizeof(*state) ||
	    ext->state_phys >= ISA_START_ADDRESS ||
	    ext->state_size > ISA_START_ADDRESS - ext->state_phys)
		return;
	base_end = *(u16 *)__va(VMI_BDA_BASE_MEM_KIB) * 1024u;
	if (ext->state_phys < base_end) {
		memblock_reserve(ext->state_phys, ext->state_size);
		pr_warn("ROM state block %#x-%#x lies in base memory the BIOS did not take (it ends at %#x): reserved, counters not used\n",
			ext->state_phys, ext->state_phys + ext->state_size - 1,
			base_end);
		return;
	}
	state = __va(ext->state_phys);
	if (state->magic != VMI_STATE_MAGIC ||
	    state->version != VMI_STATE_VERSION)
		return;
	vmi_rom.state = state;
	vmi_rom.state_size = ext->state_size;
	/* The audit report lives inside the same block. */
	if (ext->audit_phys >= ext->state_phys &&
	    ext->audit_phys - ext->state_phys <=
	    ext->state_size - sizeof(*vmi_rom.audit) &&
	    ((const struct vmi_rom_audit_report *)__va(ext->audit_phys))->magic ==
	    VMI_AUDIT_MAGIC)
		vmi_rom.audit = __va(ext->audit_phys);
	/* So does the ring-0 monitor's. */
	if (ext->monitor_phys >= ext->state_phys &&
	    ext->monitor_phys - ext->state_phys <=
	    ext->state_size - sizeof(*vmi_rom.monitor))
		vmi_rom.monitor = __va(ext->monitor_phys);
}

static void __init vmi_print_identity(void)
{
	const struct vmi_rom_info *info = &vmi_rom.info;
	const unsigned int *n = vmi_rom.relocs_by_type;

	pr_info("Found %s %s, API version %u.%u, ROM version %u.%u, at %#lx (%u bytes); relocations: %u call, %u jump, %u nop, %u none; %u ops bound\n",
		info->manufacturer, info->product, info->api_major,
		info->api_minor, info->rom_major, info->rom_minor,
		vmi_rom.phys, info->size, n[VMI_RELOCATION_CALL_REL],
		n[VMI_RELOCATION_JUMP_REL], n[VMI_RELOCATION_NOP],
		n[VMI_RELOCATION_NONE], vmi_rom.bound);
}

void __init vmi_init(void)
{
	u32 (*rom_init)(void);
	unsigned long flags;
	u32 ret;
	u16 cs;

	vmi_parse_cmdline();
	if (vmi_options & VMI_OPT_OFF) {
		vmi_stay_native("%s", "disabled on the command line (vmi=off)");
		pr_info("disabled on the command line (vmi=off)\n");
		return;
	}

	if (!vmi_scan())
		return;

	if (vmi_rom.info.virtual_top)
		reserve_top_address(-(unsigned long)vmi_rom.info.virtual_top);

	/* The ROM must stay executable once init_mem_mapping() sets NX. */
	x86_32_register_firmware_text(vmi_rom.phys,
				      vmi_rom.phys + vmi_rom.info.size);

	rom_init = (void *)(vmi_rom.image + VMI_ROM_INIT_OFFSET);
	local_irq_save(flags);
	ret = rom_init();
	savesegment(cs, cs);
	local_irq_restore(flags);

	if ((cs & 3) > 1)
		panic("vmi: VMI_Init returned at CPL %u; this kernel runs at CPL 0 or 1\n",
		      cs & 3);
	vmi_kernel_rpl = cs & 3;
	if (ret) {
		x86_32_register_firmware_text(0, 0);
		vmi_stay_native("%s", "VMI_Init failed");
		pr_warn("VMI_Init failed (returned %#x), running native\n", ret);
		return;
	}

	vmi_find_rom_state();
	if (vmi_query_relocations()) {
		x86_32_register_firmware_text(0, 0);
		return;
	}

	vmi_active = true;
	pv_info.name = "vmi";
	snprintf(vmi_native_reason, sizeof(vmi_native_reason), "active");
	vmi_bind();
	/* Each group takes what bind.c gave it. */
	vmi_register_direct_map();
	vmi_power_init();
	vmi_lazy_init();
	vmi_apic_init();
	vmi_smp_init();
	vmi_pti_init();
	vmi_time_init();
	vmi_print_identity();
}
