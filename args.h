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

struct arg_opt {
	const char *name;
	int code;
	bool has_arg;
};

struct args {
	int argc, i;
	char **argv;
	const char *shorts;           /* "N:b:t:R..." as getopt's */
	const struct arg_opt *longs;  /* ends with a NULL name */
	const char *cluster;          /* rest of a short-option cluster */
	bool ended;                   /* after "--" */
	char **pos;                   /* positional arguments, in order */
	int npos;
};

/* Start over argv[1..argc).  'pos' must hold argc entries. */
void args_init(struct args *a, int argc, char **argv, const char *shorts,
	       const struct arg_opt *longs, char **pos);

/* The next option: its code, with *arg its argument (NULL if none); -1
 * at the end (positionals are in a->pos); '?' after printing what is
 * wrong with this one. */
int args_next(struct args *a, const char **arg);

#endif
