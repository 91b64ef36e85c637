/* utf8.c: the one UTF-8 policy (see include/berth/utf8.h). */
#include "berth/utf8.h"

size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t k;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (k == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return k;
}

int utf8_clean(struct strbuf *b, const char *s, size_t n, size_t max)
{
	size_t used = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_seq((const unsigned char *)s + i, n - i, &cp);
		size_t out = k ? k : sizeof UTF8_REPLACEMENT - 1;

		if (used + out > max)
			return 1;
		if (k)
			strbuf_add(b, s + i, k);
		else
			strbuf_str(b, UTF8_REPLACEMENT);
		used += out;
		i += k ? k : 1;
	}
	return 0;
}
