// SPDX-License-Identifier: GPL-2.0
/*
 * signrom: turn the raw VMI ROM image into a loadable option ROM.
 * Pads to a multiple of 512 bytes with room for the checksum byte, sets
 * rom_length (and the PCIR image length), fixes the $PnP header checksum,
 * then sets the last byte so that all bytes sum to 0 (mod 256).
 * Usage: signrom IN.raw OUT.rom MAX_BYTES. Fails if the result is larger.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned char img[128 * 1024];

int main(int argc, char **argv)
{
	FILE *f;
	size_t n, len, i, pcir, pnp, max;
	unsigned char sum = 0;

	if (argc != 4 || !(f = fopen(argv[1], "rb")))
		return fprintf(stderr, "usage: signrom IN OUT MAX_BYTES\n"), 2;
	n = fread(img, 1, sizeof(img), f);
	fclose(f);
	max = strtoul(argv[3], NULL, 0);
	len = (n + 1 + 511) / 512 * 512;
	if (n < 0x90 || len > max || len > 255 * 512)
		return fprintf(stderr, "signrom: %zu bytes, limit %zu\n", len, max), 1;
	img[2] = len / 512;
	pcir = img[0x18] | img[0x19] << 8;
	pnp = img[0x1a] | img[0x1b] << 8;
	if (pcir + 24 > n || pnp + 32 > n)
		return fprintf(stderr, "signrom: bad PCIR/PnP offsets\n"), 1;
	img[pcir + 0x10] = len / 512;
	img[pcir + 0x11] = 0;
	img[pnp + 9] = 0;
	for (i = 0; i < img[pnp + 5] * 16u; i++)
		sum += img[pnp + i];
	img[pnp + 9] = -sum;
	for (sum = 0, i = 0; i < len - 1; i++)
		sum += img[i];
	img[len - 1] = -sum;
	if (!(f = fopen(argv[2], "wb")) || fwrite(img, 1, len, f) != len ||
	    fclose(f))
		return perror(argv[2]), 1;
	return 0;
}
