/* uuid.c: canonical UUID checks and generation (libuuid). */
#include "berth/uuid.h"

#include <string.h>
#include <uuid/uuid.h>

bool berth_uuid_is_canonical(const char *s)
{
	if (!s || strlen(s) != BERTH_UUID_LEN)
		return false;
	for (int i = 0; i < BERTH_UUID_LEN; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return true;
}

void berth_uuid_generate(char out[BERTH_UUID_LEN + 1])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}
