/* utf8.h: Berth's one UTF-8 policy, for text that may hold any bytes (a bot's file names and
 * files, messages that echo input): well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) passes as is, every other byte becomes U+FFFD, and text
 * cut to a bound is cut at a character boundary.
 */
#ifndef BERTH_UTF8_H
#define BERTH_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "berth/strbuf.h"

#define UTF8_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Length (1..4) of the well-formed sequence at s (n > 0 bytes available), 0 when the byte at s
 * does not start one; *cp gets its code point. */
size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

/* Appends n bytes of s to b under the policy above, at most max bytes. Returns 1 when something
 * was cut off, else 0 (allocation failures show in b->ok). */
int utf8_clean(struct strbuf *b, const char *s, size_t n, size_t max);

#endif
