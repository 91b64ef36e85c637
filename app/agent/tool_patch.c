/* tool_patch.c: apply_patch, a unified diff of one file applied by line number with exact
 * context, all hunks or none: the new contents are built in memory and written only when every
 * hunk applied. Lines are compared byte for byte (a CR before the LF is part of the line). */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct line {
	const char *text;
	size_t len;
	bool eol; /* followed by '\n' */
};

struct lines {
	struct line *v;
	size_t n, cap;
};

struct hunk {
	size_t old_start, old_count, new_start, new_count;
	size_t first, end; /* its body: patch lines [first, end) */
};

static int oom(berth_err *err)
{
	return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
}

static int lines_push(struct lines *ls, const char *text, size_t len, bool eol)
{
	if (ls->n == ls->cap) {
		size_t ncap = ls->cap ? ls->cap * 2 : 64;
		struct line *nv = realloc(ls->v, ncap * sizeof *nv);

		if (!nv)
			return -1;
		ls->v = nv;
		ls->cap = ncap;
	}
	ls->v[ls->n++] = (struct line){ text, len, eol };
	return 0;
}

/* Splits s into lines (a final line without '\n' has eol false; "" has no lines). */
static int lines_split(struct lines *ls, const char *s, size_t len)
{
	size_t start = 0;

	while (start < len) {
		const char *nl = memchr(s + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - s) : len;

		if (lines_push(ls, s + start, end - start, nl != NULL) < 0)
			return -1;
		start = end + 1;
	}
	return 0;
}

/* Parses a decimal at *p. */
static bool parse_num(const char **p, const char *end, size_t *out)
{
	size_t v = 0;
	const char *s = *p;

	if (s == end || *s < '0' || *s > '9')
		return false;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(*s++ - '0');
	}
	*p = s;
	*out = v;
	return true;
}

/* "-start[,count]" or "+start[,count]" at *p (count defaults to 1). */
static bool parse_range(const char **p, const char *end, char sign, size_t *start, size_t *count)
{
	if (*p == end || **p != sign)
		return false;
	(*p)++;
	if (!parse_num(p, end, start))
		return false;
	*count = 1;
	if (*p < end && **p == ',') {
		(*p)++;
		if (!parse_num(p, end, count))
			return false;
	}
	return true;
}

/* "@@ -a[,b] +c[,d] @@..." */
static bool parse_header(const struct line *l, struct hunk *h)
{
	const char *p = l->text, *end = l->text + l->len;

	if (l->len < 3 || memcmp(p, "@@ ", 3))
		return false;
	p += 3;
	if (!parse_range(&p, end, '-', &h->old_start, &h->old_count) || p == end || *p++ != ' ' ||
	    !parse_range(&p, end, '+', &h->new_start, &h->new_count))
		return false;
	return end - p >= 3 && !memcmp(p, " @@", 3);
}

static bool starts_with(const struct line *l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l->len >= n && !memcmp(l->text, prefix, n);
}

/* The hunks of the patch, each body's extent checked against its header's counts. */
static int parse_hunks(const struct lines *patch, struct hunk **out, size_t *count, berth_err *err)
{
	struct hunk *hunks = NULL;
	size_t n = 0, cap = 0, i = 0;

	while (i < patch->n) {
		const struct line *l = &patch->v[i];
		size_t old_seen = 0, new_seen = 0;
		struct hunk h;

		if (!starts_with(l, "@@")) {
			if (n > 0 && (starts_with(l, "--- ") || starts_with(l, "+++ ") ||
				      starts_with(l, "diff ")))
				goto more_files;
			i++; /* headers and other text outside hunks */
			continue;
		}
		if (!parse_header(l, &h)) {
			berth_err_set(err, BERTH_E_INVALID, "hunk %zu: bad header", n + 1);
			goto fail;
		}
		h.first = ++i;
		while (i < patch->n && (old_seen < h.old_count || new_seen < h.new_count)) {
			const struct line *b = &patch->v[i];
			char kind = b->len ? b->text[0] : ' '; /* an empty line is empty context */

			if (kind == ' ') {
				old_seen++;
				new_seen++;
			} else if (kind == '-') {
				old_seen++;
			} else if (kind == '+') {
				new_seen++;
			} else if (kind != '\\') {
				break;
			}
			i++;
		}
		/* a "\ No newline at end of file" after the last line belongs to the hunk */
		if (i < patch->n && patch->v[i].len && patch->v[i].text[0] == '\\')
			i++;
		if (old_seen != h.old_count || new_seen != h.new_count) {
			berth_err_set(
				err, BERTH_E_INVALID,
				"hunk %zu: its header says %zu old and %zu new lines, its body has %zu and %zu",
				n + 1, h.old_count, h.new_count, old_seen, new_seen);
			goto fail;
		}
		h.end = i;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct hunk *nh = realloc(hunks, ncap * sizeof *nh);

			if (!nh) {
				oom(err);
				goto fail;
			}
			hunks = nh;
			cap = ncap;
		}
		hunks[n++] = h;
	}
	if (n == 0) {
		berth_err_set(err, BERTH_E_INVALID, "the patch has no hunks");
		goto fail;
	}
	*out = hunks;
	*count = n;
	return 0;
more_files:
	berth_err_set(err, BERTH_E_INVALID, "the patch changes more than one file");
fail:
	free(hunks);
	return -1;
}

/* Applies the hunks to the file's lines into out (lines borrowed from file and patch). */
static int apply_hunks(const struct lines *file, const struct lines *patch,
		       const struct hunk *hunks, size_t count, struct lines *out, berth_err *err)
{
	size_t cursor = 0, k, i;

	for (k = 0; k < count; k++) {
		const struct hunk *h = &hunks[k];
		/* a hunk that removes nothing inserts after line old_start */
		size_t at = h->old_count == 0 ? h->old_start : h->old_start - 1;
		size_t pos;

		if (h->old_count > 0 && h->old_start == 0)
			return berth_err_set(err, BERTH_E_INVALID,
					     "hunk %zu: line 0 with old lines", k + 1);
		if (at < cursor)
			return berth_err_set(
				err, BERTH_E_INVALID,
				"hunk %zu: overlaps the previous hunk or is out of order", k + 1);
		if (at > file->n || h->old_count > file->n - at)
			return berth_err_set(
				err, BERTH_E_INVALID,
				"hunk %zu: lines %zu-%zu are out of range (the file has %zu lines)",
				k + 1, at + 1, at + h->old_count, file->n);
		for (; cursor < at; cursor++) {
			if (lines_push(out, file->v[cursor].text, file->v[cursor].len,
				       file->v[cursor].eol) < 0)
				return oom(err);
		}
		pos = at;
		for (i = h->first; i < h->end; i++) {
			const struct line *b = &patch->v[i];
			char kind = b->len ? b->text[0] : ' ';
			const char *text = b->len ? b->text + 1 : b->text;
			size_t len = b->len ? b->len - 1 : 0;

			if (kind == '\\') {
				/* the line before has no newline (on the new side when it is one) */
				if (i > h->first && patch->v[i - 1].len &&
				    patch->v[i - 1].text[0] != '-' && out->n)
					out->v[out->n - 1].eol = false;
				continue;
			}
			if (kind == ' ' || kind == '-') {
				const struct line *f = &file->v[pos];

				if (f->len != len || memcmp(f->text, text, len))
					return berth_err_set(
						err, BERTH_E_INVALID,
						"hunk %zu: line %zu does not match the patch's %s line",
						k + 1, pos + 1,
						kind == ' ' ? "context" : "removed");
				pos++;
				if (kind == ' ' && lines_push(out, f->text, f->len, f->eol) < 0)
					return oom(err);
			} else if (lines_push(out, text, len, true) < 0) {
				return oom(err);
			}
		}
		cursor = pos;
	}
	for (; cursor < file->n; cursor++) {
		if (lines_push(out, file->v[cursor].text, file->v[cursor].len,
			       file->v[cursor].eol) < 0)
			return oom(err);
	}
	return 0;
}

/* The lines joined: a newline between lines, after the last one only when it has one. */
static char *join(const struct lines *ls, size_t *out_len)
{
	size_t total = 0, i, n = 0;
	char *out;

	for (i = 0; i < ls->n; i++)
		total += ls->v[i].len + 1;
	out = malloc(total + 1);
	if (!out)
		return NULL;
	for (i = 0; i < ls->n; i++) {
		memcpy(out + n, ls->v[i].text, ls->v[i].len);
		n += ls->v[i].len;
		if (ls->v[i].eol || i + 1 < ls->n)
			out[n++] = '\n';
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

int tool_apply_patch(json_t *args, json_t **result, berth_err *err)
{
	struct lines patch_lines = { 0 }, file_lines = { 0 }, out_lines = { 0 };
	const char *patch = NULL;
	size_t patch_len = 0, data_len = 0, count = 0, out_len, k;
	char *path = NULL, *data = NULL, *out = NULL;
	struct hunk *hunks = NULL;
	bool creating = false;
	int rc = -1;

	if (arg_path(args, "path", true, &path, err) < 0)
		return -1;
	if (arg_string(args, "patch", true, &patch, &patch_len, err) < 0)
		goto done;
	if (lines_split(&patch_lines, patch, patch_len) < 0) {
		oom(err);
		goto done;
	}
	if (parse_hunks(&patch_lines, &hunks, &count, err) < 0)
		goto done;
	if (file_read_all(path, AGENT_READ_MAX, &data, &data_len, NULL, err) < 0) {
		creating = err->kind == BERTH_E_NOT_FOUND;
		for (k = 0; creating && k < count; k++)
			creating = hunks[k].old_start == 0 && hunks[k].old_count == 0;
		if (!creating)
			goto done;
		berth_err_clear(err);
	}
	if (lines_split(&file_lines, data ? data : "", data_len) < 0) {
		oom(err);
		goto done;
	}
	if (apply_hunks(&file_lines, &patch_lines, hunks, count, &out_lines, err) < 0)
		goto done;
	out = join(&out_lines, &out_len);
	if (!out) {
		oom(err);
		goto done;
	}
	if (file_write(path, out, out_len, creating, err) < 0)
		goto done;
	*result = json_pack("{s:o, s:I}", "path", json_string_lossy(path, strlen(path), NULL),
			    "hunks", (json_int_t)count);
	if (!*result) {
		oom(err);
		goto done;
	}
	rc = 0;
done:
	free(out_lines.v);
	free(file_lines.v);
	free(patch_lines.v);
	free(hunks);
	free(out);
	free(data);
	free(path);
	return rc;
}
