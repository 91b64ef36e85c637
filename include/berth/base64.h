/* base64.h: standard base64 (RFC 4648 §4, with padding), for bytes that travel in JSON strings.
 * Results are NEW (malloc, NUL-terminated; free()). */
#ifndef BERTH_BASE64_H
#define BERTH_BASE64_H

#include <stddef.h>

/* Encodes len bytes. NULL only when out of memory. */
char *base64_encode(const void *data, size_t len, size_t *out_len);

/* Decodes text (len chars; no blanks, padding required when the length is not a multiple of 4).
 * NULL for malformed input or out of memory. */
char *base64_decode(const char *text, size_t len, size_t *out_len);

#endif
