/* uuid.h: bot and connection ids. */
#ifndef BERTH_UUID_H
#define BERTH_UUID_H

#include <stdbool.h>

#define BERTH_UUID_LEN 36 /* 8-4-4-4-12 without the terminating NUL */

/* True only for the canonical form: 36 characters, lowercase hex, dashes at 8, 13, 18, 23. */
bool berth_uuid_is_canonical(const char *s);

/* Writes a new random (v4) UUID in canonical form into out (37 bytes with the NUL). */
void berth_uuid_generate(char out[BERTH_UUID_LEN + 1]);

#endif
