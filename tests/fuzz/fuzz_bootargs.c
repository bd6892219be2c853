/*
 * fuzz_bootargs.c - libFuzzer harness for the kernel command-line parser
 * and the DHCP root-path parser: whatever the line says, the result is a
 * verdict and NUL-terminated fields, never a crash or an overrun.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bootargs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[8192];
	char err[512];
	struct boot_spec b;
	if (size >= sizeof line)
		return 0;
	memcpy(line, data, size);
	line[size] = 0;
	int r = bootargs_parse(line, &b, err, sizeof err);
	if (r == 0 && (strlen(b.host) >= sizeof b.host || strlen(b.dev) >= sizeof b.dev))
		__builtin_trap();
	if (r < 0 && !err[0])
		__builtin_trap();
	memset(&b, 0, sizeof b);
	(void)bootargs_rootpath(line, &b, err, sizeof err);
	return 0;
}
