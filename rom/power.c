// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: Shutdown, the call that powers the virtual machine off.
 *
 * The ABI calls Shutdown a halt that never returns. A monitor would take
 * the whole VM down when its guest asks for it (Linux calls it only on
 * its power-off path, after stopping the other CPUs), so this ROM does
 * what the machine's firmware tables would: it sets SLP_EN with sleep
 * type 0 (soft off) in the ACPI PM1 control register of the chipset QEMU
 * emulates, i440FX/PIIX4 (PM function 00:01.3) or Q35/ICH9 (LPC bridge
 * 00:1f.0), at the I/O base SeaBIOS programmed. Without a PM block (or if
 * the write has no effect) the CPU halts for good with interrupts off.
 *
 * Same rules as every ROM C file (romlib.h): position independent, no
 * data, no strings.
 */
#include "romlib.h"

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define PCI_BDF(bus, dev, fn)	((bus) << 16 | (dev) << 11 | (fn) << 8)

#define PIIX4_PM_BDF		PCI_BDF(0, 1, 3)
#define PIIX4_PM_ID		0x71138086u	/* device << 16 | vendor */
#define PIIX4_PMBA		0x40
#define PIIX4_PMREGMISC		0x80
#define PIIX4_PMIOSE		0x01

#define ICH9_LPC_BDF		PCI_BDF(0, 0x1f, 0)
#define ICH9_LPC_ID		0x29188086u
#define ICH9_PMBASE		0x40
#define ICH9_ACPI_CNTL		0x44
#define ICH9_ACPI_EN		0x80

#define PM_IO_MASK		0xffc0
#define PM1_CNT			4
#define PM1_SLP_EN		(1u << 13)	/* sleep type 0: soft off */

static u32 pci_read32(u32 bdf, u32 reg)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | bdf | reg);
	return inl(PCI_CONFIG_DATA);
}

/* The PM1 register block's I/O base, or 0 when there is none enabled. */
static u16 acpi_pm_base(void)
{
	u32 id = pci_read32(PIIX4_PM_BDF, 0);

	if (id == PIIX4_PM_ID &&
	    (pci_read32(PIIX4_PM_BDF, PIIX4_PMREGMISC) & PIIX4_PMIOSE))
		return pci_read32(PIIX4_PM_BDF, PIIX4_PMBA) & PM_IO_MASK;
	id = pci_read32(ICH9_LPC_BDF, 0);
	if (id == ICH9_LPC_ID &&
	    (pci_read32(ICH9_LPC_BDF, ICH9_ACPI_CNTL) & ICH9_ACPI_EN))
		return pci_read32(ICH9_LPC_BDF, ICH9_PMBASE) & PM_IO_MASK;
	return 0;
}

__attribute__((regparm(3), used, noreturn)) void vmi_c_shutdown(void)
{
	u16 base = acpi_pm_base();

	if (base)
		outw(base + PM1_CNT, PM1_SLP_EN);
	for (;;)
		asm volatile("cli; hlt");
}
