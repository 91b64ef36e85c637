/* paths.c: how a tool's path argument becomes the absolute path the agent uses. */
#include "agent.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *agent_data_dir = AGENT_DATA_DIR;

char *agent_path_resolve(const char *arg, size_t arg_len, berth_err *err)
{
	size_t base_len = arg[0] == '/' ? 0 : strlen(agent_data_dir);
	size_t i, o = 0;
	char *out;

	if (memchr(arg, '\0', arg_len)) {
		berth_err_set(err, BERTH_E_INVALID, "path contains a NUL byte");
		return NULL;
	}
	if (base_len + 1 + arg_len >= PATH_MAX) {
		berth_err_set(err, BERTH_E_INVALID, "path longer than %d bytes", PATH_MAX);
		return NULL;
	}
	out = malloc(base_len + arg_len + 3);
	if (!out) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		return NULL;
	}
	memcpy(out, agent_data_dir, base_len);
	o = base_len;
	/* Segment by segment: drop empty and "." segments. */
	for (i = 0; i < arg_len;) {
		size_t j = i;

		while (j < arg_len && arg[j] != '/')
			j++;
		if (!(j == i || (j - i == 1 && arg[i] == '.'))) {
			if (o == 0 || out[o - 1] != '/')
				out[o++] = '/';
			memcpy(out + o, arg + i, j - i);
			o += j - i;
		}
		i = j + 1;
	}
	while (o > 1 && out[o - 1] == '/')
		o--;
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}
