/* berthctl_args.c: option parsing shared by berthctl's commands (see berthctl.h). */
#include "berthctl.h"

#include <string.h>

static const struct berthctl_opt *find_opt(const struct berthctl_opt *opts, size_t nopts,
					   const char *name, size_t len)
{
	for (size_t i = 0; i < nopts; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

int berthctl_parse(int argc, char **argv, const struct berthctl_opt *opts, size_t nopts,
		   const char **positional, size_t min_positional, size_t max_positional,
		   berth_err *err)
{
	bool seen[32] = { false };
	bool options_done = false;
	size_t npos = 0;

	if (nopts > sizeof seen / sizeof seen[0])
		return berth_err_set(err, BERTH_E_INTERNAL, "too many options");
	for (size_t i = 0; i < max_positional; i++)
		positional[i] = NULL;
	for (int i = 0; i < argc; i++) {
		const char *word = argv[i];
		const struct berthctl_opt *opt;
		const char *eq;
		size_t index;

		if (options_done || word[0] != '-' || word[1] == '\0') {
			if (npos == max_positional)
				return berth_err_set(err, BERTH_E_INVALID,
						     "unexpected argument '%s'", word);
			positional[npos++] = word;
			continue;
		}
		if (strcmp(word, "--") == 0) {
			options_done = true;
			continue;
		}
		if (word[1] != '-')
			return berth_err_set(err, BERTH_E_INVALID, "unknown option '%s'", word);
		eq = strchr(word + 2, '=');
		opt = find_opt(opts, nopts, word + 2,
			       eq ? (size_t)(eq - (word + 2)) : strlen(word + 2));
		if (!opt)
			return berth_err_set(err, BERTH_E_INVALID, "unknown option '%s'", word);
		index = (size_t)(opt - opts);
		if (seen[index])
			return berth_err_set(err, BERTH_E_INVALID, "option --%s given twice",
					     opt->name);
		seen[index] = true;
		if (!opt->value) {
			if (eq)
				return berth_err_set(err, BERTH_E_INVALID,
						     "option --%s takes no value", opt->name);
			*opt->flag = true;
		} else if (eq) {
			*opt->value = eq + 1;
		} else {
			if (i + 1 >= argc)
				return berth_err_set(err, BERTH_E_INVALID,
						     "option --%s needs a value", opt->name);
			*opt->value = argv[++i];
		}
	}
	if (npos < min_positional)
		return berth_err_set(err, BERTH_E_INVALID,
				     "missing argument (expected %zu, got %zu)", min_positional,
				     npos);
	return 0;
}
