// SPDX-License-Identifier: GPL-2.0
/*
 * VMI option-ROM validation.
 *
 * Owns the judgement "is this image a VMI 3.0 ROM we will call into", for
 * the header and everything the header points at, and "is this relocation
 * one we can bind". It is pure: the caller hands in the bytes it is allowed
 * to read, and every offset taken from the image is checked against the
 * image's own length (which is itself checked against what is readable)
 * before it is dereferenced. Strings must end with a NUL inside the image.
 *
 * The checks run in a fixed order and the first failure is the verdict, so
 * a ROM with several defects always gets the same reason. What refuses a
 * ROM is what the VMI 3.0 ABI refuses (signatures, major version 3, a PCI
 * header, a GPL licence) plus what memory safety needs (every offset and
 * string inside the image, a virtual_top the kernel can honour); a bad
 * checksum or foreign PCI IDs only set a warning, as the 2.6-era guest
 * only warned (Documentation/virt/vmi/conformance.rst lists each check).
 * Host tests and a fuzzer compile this same file.
 */
#include "rom_check.h"

/* VMI_CALLS() lists the calls in number order. */
#define VMI_CALL_NAME(nr, name) #name,
static const char *const vmi_call_names[VMI_CALL_COUNT] = {
	VMI_CALLS(VMI_CALL_NAME)
};

#undef VMI_CALL_NAME

const char *vmi_call_name(unsigned int call)
{
	return call < VMI_CALL_COUNT ? vmi_call_names[call] : "unknown";
}

#define PCI_OFFS(field)	offsetof(struct vmi_pci_header, field)
#define PNP_OFFS(field)	offsetof(struct vmi_pnp_header, field)

/* Little-endian reads that make no alignment assumption. */
static u16 rd16(const u8 *p)
{
	return p[0] | (p[1] << 8);
}

static u32 rd32(const u8 *p)
{
	return (u32)rd16(p) | ((u32)rd16(p + 2) << 16);
}

static int str_equal(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/*
 * Find the string at @offs. Returns 0 when it is absent (offset 0), 1 when
 * it is valid, or a negative verdict.
 */
static int rom_string(const u8 *image, u32 size, u16 offs, const char **str)
{
	u32 i;

	if (!offs)
		return 0;
	if (offs >= size)
		return -VMI_ROM_BAD_OFFSET;
	for (i = offs; i < size; i++) {
		if (!image[i]) {
			*str = (const char *)image + offs;
			return 1;
		}
	}
	return -VMI_ROM_UNTERMINATED;
}

static enum vmi_rom_verdict check_structures(const u8 *image, u32 size,
					     struct vmi_rom_info *info)
{
	const struct vmi_rom_header *hdr = (const void *)image;
	u16 pci = rd16((const u8 *)&hdr->pci_header_offs);
	u16 pnp = rd16((const u8 *)&hdr->pnp_header_offs);
	u16 lic = rd16((const u8 *)&hdr->license_offs);
	int ret;

	info->field = "pci_header_offs";
	if (!pci)
		return VMI_ROM_NO_PCI_HEADER;
	if ((u32)pci + sizeof(struct vmi_pci_header) > size)
		return VMI_ROM_BAD_OFFSET;

	if (pnp) {
		const u8 *p = image + pnp;

		info->field = "pnp_header_offs";
		if ((u32)pnp + sizeof(struct vmi_pnp_header) > size)
			return VMI_ROM_BAD_OFFSET;
		info->field = "manufacturer string";
		ret = rom_string(image, size,
				 rd16(p + PNP_OFFS(manufacturer_offset)),
				 &info->manufacturer);
		if (ret < 0)
			return -ret;
		info->field = "product string";
		ret = rom_string(image, size,
				 rd16(p + PNP_OFFS(product_offset)),
				 &info->product);
		if (ret < 0)
			return -ret;
	}

	info->field = "license string";
	ret = rom_string(image, size, lic, &info->license);
	if (ret < 0)
		return -ret;
	if (ret == 0)
		return VMI_ROM_NO_LICENSE;

	info->field = NULL;
	return VMI_ROM_OK;
}

enum vmi_rom_verdict vmi_rom_check(const u8 *image, u32 avail,
				   struct vmi_rom_info *info)
{
	const struct vmi_rom_header *hdr = (const void *)image;
	const u8 *pci;
	u32 size, i;
	u8 sum = 0;
	enum vmi_rom_verdict ret;

	*info = (struct vmi_rom_info) {
		.license = "unspecified",
		.manufacturer = "UNKNOWN",
		.product = "UNKNOWN",
	};

	if (avail < 3 || rd16(image) != VMI_ROM_SIGNATURE)
		return VMI_ROM_NOT_ROM;
	if (avail < VMI_ROM_HEADER_SIZE ||
	    rd32(image + offsetof(struct vmi_rom_header, vrom_signature)) !=
	    VMI_SIGNATURE)
		return VMI_ROM_NOT_VMI;

	size = (u32)hdr->rom_length * VMI_ROM_BLOCK_SIZE;
	info->size = size;
	if (size < VMI_ROM_HEADER_SIZE || size > avail)
		return VMI_ROM_BAD_LENGTH;

	for (i = 0; i < size; i++)
		sum += image[i];
	if (sum)
		info->warnings |= VMI_ROM_WARN_CHECKSUM;

	info->api_major = hdr->api_version_maj;
	info->api_minor = hdr->api_version_min;
	if (hdr->api_version_maj != VMI_API_REV_MAJOR)
		return VMI_ROM_BAD_VERSION;

	ret = check_structures(image, size, info);
	if (ret != VMI_ROM_OK)
		return ret;

	pci = image + rd16((const u8 *)&hdr->pci_header_offs);
	info->vendor_id = rd16(pci + PCI_OFFS(vendor_id));
	info->device_id = rd16(pci + PCI_OFFS(device_id));
	info->rom_major = pci[PCI_OFFS(rom_version_maj)];
	info->rom_minor = pci[PCI_OFFS(rom_version_min)];
	if (info->vendor_id != VMI_PCI_VENDOR_VMWARE ||
	    info->device_id != VMI_PCI_DEVICE_VMI)
		info->warnings |= VMI_ROM_WARN_PCI_ID;

	if (!str_equal(info->license, "GPL") &&
	    !str_equal(info->license, "GPL v2"))
		return VMI_ROM_LICENSE;

	info->virtual_top = rd32((const u8 *)&hdr->virtual_top);
	/* reserve_top_address() rounds the hole out to a PMD: any value works. */
	if (info->virtual_top && info->virtual_top < VMI_VIRTUAL_TOP_MIN)
		return VMI_ROM_VIRTUAL_TOP;

	return VMI_ROM_OK;
}

const char *vmi_rom_verdict_str(enum vmi_rom_verdict verdict)
{
	switch (verdict) {
	case VMI_ROM_OK:
		return "valid";
	case VMI_ROM_NOT_ROM:
		return "no option ROM signature";
	case VMI_ROM_NOT_VMI:
		return "not a VMI ROM";
	case VMI_ROM_BAD_LENGTH:
		return "ROM length is zero or runs past the option-ROM window";
	case VMI_ROM_BAD_VERSION:
		return "unsupported API major version";
	case VMI_ROM_NO_PCI_HEADER:
		return "no PCI header";
	case VMI_ROM_BAD_OFFSET:
		return "offset points outside the ROM image";
	case VMI_ROM_UNTERMINATED:
		return "string not terminated inside the ROM image";
	case VMI_ROM_NO_LICENSE:
		return "no license string";
	case VMI_ROM_LICENSE:
		return "license is not GPL";
	case VMI_ROM_VIRTUAL_TOP:
		return "virtual_top cannot be honoured";
	}
	return "unknown verdict";
}

enum vmi_reloc_verdict vmi_reloc_check(unsigned int call, u8 type, u32 eip,
				       u32 rom_base, u32 rom_size)
{
	switch (type) {
	case VMI_RELOCATION_NONE:
	case VMI_RELOCATION_NOP:
		return VMI_RELOC_OK;
	case VMI_RELOCATION_JUMP_REL:
		if (call != VMI_CALL_IRET && call != VMI_CALL_SYSEXIT)
			return VMI_RELOC_JUMP_NOT_ALLOWED;
		fallthrough;
	case VMI_RELOCATION_CALL_REL:
		if (eip < rom_base || eip - rom_base >= rom_size)
			return VMI_RELOC_OUTSIDE;
		return VMI_RELOC_OK;
	}
	return VMI_RELOC_UNKNOWN_TYPE;
}

const char *vmi_reloc_verdict_str(enum vmi_reloc_verdict verdict)
{
	switch (verdict) {
	case VMI_RELOC_OK:
		return "valid";
	case VMI_RELOC_UNKNOWN_TYPE:
		return "unknown relocation type";
	case VMI_RELOC_OUTSIDE:
		return "target outside the ROM image";
	case VMI_RELOC_JUMP_NOT_ALLOWED:
		return "JUMP relocation on a call that returns";
	}
	return "unknown verdict";
}
