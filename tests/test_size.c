/*
 * test_size.c - the export size handed to the ioctl interface, on the
 * machine it runs on: run natively (64-bit: one NBD_SET_SIZE) and under
 * qemu-user for armhf (32-bit: a 5 GiB export goes as blocks, where it
 * once became a 1 GiB device).  Also the layouts handed to the kernel.
 */
#include <stdio.h>

#include "kernel.h"
#include "ktls.h"

static int passed, failed;

static void check(const char *name, int cond)
{
	printf("%s %s (%zu-bit)\n", cond ? "ok  " : "FAIL", name, 8 * sizeof(long));
	cond ? passed++ : failed++;
}

int main(void)
{
	unsigned long req, arg;
	const unsigned long long gib = 1ULL << 30;
	int wide = sizeof(unsigned long) == 8;
	check("64 MiB: NBD_SET_SIZE with the bytes",
	      !kernel_size_request(64 << 20, 512, &req, &arg) &&
	      req == NBD_SET_SIZE && arg == 64UL << 20);
	check("4 GiB - 1: NBD_SET_SIZE still",
	      !kernel_size_request(4 * gib - 1, 512, &req, &arg) &&
	      req == NBD_SET_SIZE && arg == (unsigned long)(4 * gib - 1));
	int r = kernel_size_request(5 * gib, 512, &req, &arg);
	check("5 GiB: whole bytes where they fit, else 10485760 blocks of 512",
	      !r && (wide ? req == NBD_SET_SIZE && arg == (unsigned long)(5 * gib)
			  : req == NBD_SET_SIZE_BLOCKS && arg == 10485760UL));
	r = kernel_size_request(3ULL << 40, 4096, &req, &arg);
	check("3 TiB in 4096-byte blocks",
	      !r && (wide ? arg == (unsigned long)(3ULL << 40)
			  : req == NBD_SET_SIZE_BLOCKS && arg == 805306368UL));
	r = kernel_size_request(1ULL << 62, 512, &req, &arg);
	check("2^62 bytes: refused where even the block count does not fit",
	      wide ? !r : r == -1);
	printf("size: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
