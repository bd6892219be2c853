/*
 * args.h - command-line options the way nbd-client users type them:
 * short options (clustered, argument attached or next), long options with
 * one dash or two (getopt_long_only's rules: "-name" is a long option when
 * it names one, exactly or by a unique prefix, else short options), an
 * argument after "=" or in the next word, options anywhere among the
 * positional arguments, and "--" to end them.  No stdio, no heap.
 */
#ifndef ARGS_H
#define ARGS_H

#include <stdbool.h>

/* The long options, packed in one string: each is its code (a short
 * option's letter, or a byte from 1 to 31 for one without), its name,
 * '=' when it takes an argument, and a NUL; an empty entry ends them:
 * "Nname=\0" "Rreadonly\0" "\1info\0" "\0".  (A table of structs cost
 * 16 bytes an entry besides the names.) */
struct args {
	int argc, i;
	char **argv;
	const char *shorts;           /* "N:b:t:R..." as getopt's */
	const char *longs;            /* packed, as above */
	const char *cluster;          /* rest of a short-option cluster */
	bool ended;                   /* after "--" */
	char **pos;                   /* positional arguments, in order */
	int npos;
};

/* Start over argv[1..argc).  'pos' must hold argc entries. */
void args_init(struct args *a, int argc, char **argv, const char *shorts,
	       const char *longs, char **pos);

/* The next option: its code, with *arg its argument (NULL if none); -1
 * at the end (positionals are in a->pos); '?' after printing what is
 * wrong with this one. */
int args_next(struct args *a, const char **arg);

#endif
