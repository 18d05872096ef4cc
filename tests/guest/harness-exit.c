// SPDX-License-Identifier: GPL-2.0
/*
 * harness-exit: hand an exit status to the host through QEMU's
 * isa-debug-exit device (port 0xf4). QEMU exits with (status << 1) | 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	unsigned int status = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;

	if (ioperm(DEBUG_EXIT_PORT, 4, 1)) {
		perror("harness-exit: ioperm");
		return 1;
	}
	outl(status, DEBUG_EXIT_PORT);
	fprintf(stderr, "harness-exit: still running after the exit write\n");
	return 1;
}
