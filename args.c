/* args.c - see args.h. */
#include <string.h>

#include "args.h"
#include "kernel.h"
#include "opts.h"
#include "text.h"
#include "status.h"

void args_init(struct args *a, int argc, char **argv, const char *shorts,
	       const char *longs, char **pos)
{
	*a = (struct args){ .argc = argc, .i = 1, .argv = argv, .shorts = shorts,
			    .longs = longs, .pos = pos };
}

/* The long option 'name' (up to '=' or its end): exact, else the one it
 * is a prefix of; its entry in the packed list ("Nname=" ), or NULL when
 * none or several. */
static const char *find_long(const char *o, const char *name, size_t len,
			     bool *ambiguous)
{
	const char *hit = NULL;
	*ambiguous = false;
	for (; *o; o += strlen(o) + 1) {
		if (strncmp(o + 1, name, len) != 0)
			continue;
		if (!o[1 + len] || o[1 + len] == '=')
			return o;
		if (hit && *hit != *o)
			*ambiguous = true;
		hit = o;
	}
	return *ambiguous ? NULL : hit;
}

/* The word after an option, as its argument. */
static const char *next_word(struct args *a)
{
	return a->i < a->argc ? a->argv[a->i++] : NULL;
}

static int take_long(struct args *a, const char *word, const char *name,
		     const char **arg, bool one_dash)
{
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	bool ambiguous;
	const char *o = find_long(a->longs, name, len, &ambiguous);
	if (!o) {
		if (one_dash && !ambiguous)
			return 0; /* short options, then */
		msg("%s option '%s'", ambiguous ? "ambiguous" : "unrecognized", word);
		return '?';
	}
	bool has_arg = o[strlen(o) - 1] == '=';
	*arg = eq ? eq + 1 : NULL;
	if (has_arg && !eq && !(*arg = next_word(a))) {
		msg("option '%s' requires an argument", word);
		return '?';
	}
	if (!has_arg && eq) {
		msg("option '%s' takes no argument", word);
		return '?';
	}
	return *o;
}

static int take_short(struct args *a, const char **arg)
{
	char c = *a->cluster++;
	const char *spec = c != ':' ? strchr(a->shorts, c) : NULL;
	if (!spec) {
		msg("unrecognized option '-%c'", c);
		a->cluster = NULL;
		return '?';
	}
	*arg = NULL;
	if (spec[1] == ':') {
		*arg = *a->cluster ? a->cluster : next_word(a);
		a->cluster = NULL;
		if (!*arg) {
			msg("option '-%c' requires an argument", c);
			return '?';
		}
	}
	if (a->cluster && !*a->cluster)
		a->cluster = NULL;
	return c;
}

int args_next(struct args *a, const char **arg)
{
	*arg = NULL;
	if (a->cluster)
		return take_short(a, arg);
	while (a->i < a->argc) {
		const char *w = a->argv[a->i++];
		if (a->ended || w[0] != '-' || !w[1]) {
			a->pos[a->npos++] = a->argv[a->i - 1];
			continue;
		}
		if (w[1] == '-' && !w[2]) {
			a->ended = true;
			continue;
		}
		if (w[1] == '-')
			return take_long(a, w, w + 2, arg, false);
		int code = w[2] ? take_long(a, w, w + 1, arg, true) : 0;
		if (code)
			return code;
		a->cluster = w + 1;
		return take_short(a, arg);
	}
	return -1;
}

/* ---- numbers and sizes, for every source of options ---- */

/* A whole decimal number in [min, max], or -1. */
long long number(const char *s, long long min, long long max)
{
	uint64_t v;
	return text_u64(s, 10, (uint64_t)max, &v, NULL) && (long long)v >= min
	       ? (long long)v : -1;
}

bool legal_block_size(long long v)
{
	return v >= KERNEL_MIN_BLOCK && v <= KERNEL_MAX_BLOCK && !(v & (v - 1));
}

