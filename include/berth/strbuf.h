/* strbuf.h: a growable NUL-terminated string for building text.
 *
 * Appending never fails loudly: on allocation failure ok drops to 0, further appends do nothing,
 * and the builder checks ok once at the end. The buffer s is owned by the strbuf: free(s) when
 * done (s may be NULL when nothing was appended).
 */
#ifndef BERTH_STRBUF_H
#define BERTH_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;
	size_t len, cap;
	int ok;
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 1                                                                      \
	}

/* Appends n bytes of s. */
void strbuf_add(struct strbuf *b, const char *s, size_t n);
/* Appends the string s. */
void strbuf_str(struct strbuf *b, const char *s);

#endif
