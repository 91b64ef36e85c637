/* berthctl.h: what berthctl's files share. berthctl is the operator's tool: every command reads
 * the one configuration file, prints results (ids, one record a line, fields separated by tabs) on
 * stdout and one clear error line on stderr, and exits 0 only on success. */
#ifndef BERTH_BERTHCTL_H
#define BERTH_BERTHCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/config.h"
#include "berth/err.h"

/* Exit statuses: 0 success, 1 the operation failed, 2 bad usage. */
enum { BERTHCTL_OK = 0, BERTHCTL_FAILED = 1, BERTHCTL_USAGE = 2 };

/* One option of a command: "--name VALUE" / "--name=VALUE" (value != NULL) or "--name" (flag). */
struct berthctl_opt {
	const char *name;   /* without the dashes */
	const char **value; /* set to the borrowed argv string; NULL for a flag */
	bool *flag;	    /* set to true when present; NULL for an option with a value */
};

/* Parses argv[0..argc) (the words after the command) into options and positional arguments:
 * at least min_positional and at most max_positional go into positional[] (borrowed; unset entries
 * stay NULL). "--" ends options. Unknown or repeated options, a missing value and a wrong number
 * of positional arguments are BERTH_E_INVALID with a message naming the word. */
int berthctl_parse(int argc, char **argv, const struct berthctl_opt *opts, size_t nopts,
		   const char **positional, size_t min_positional, size_t max_positional,
		   berth_err *err);

/* Command groups; argc/argv start after the group word ("user", "bot", ...). Each returns an exit
 * status and prints its own error line. */
int berthctl_cmd_migrate(const struct berth_config *cfg, int argc, char **argv);
int berthctl_cmd_user(const struct berth_config *cfg, int argc, char **argv);
int berthctl_cmd_identity(const struct berth_config *cfg, int argc, char **argv);
int berthctl_cmd_bot(const struct berth_config *cfg, int argc, char **argv);
int berthctl_cmd_member(const struct berth_config *cfg, int argc, char **argv);
int berthctl_cmd_doctor(const struct berth_config *cfg, int argc, char **argv);
/* `image ...`: implemented by the image area in berthctl_image.c. */
int berthctl_cmd_image(const struct berth_config *cfg, int argc, char **argv);

/* Prints "berthctl: <prefix>: <message>" on stderr; returns BERTHCTL_FAILED, or BERTHCTL_USAGE
 * when err is an INVALID from argument parsing (usage != 0). */
int berthctl_fail(const berth_err *err, int usage);

#endif
