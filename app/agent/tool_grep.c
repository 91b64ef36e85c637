/* tool_grep.c: grep, the lines of regular files that match a POSIX extended regex (or a fixed
 * string), bounded: at most max_matches lines, files up to AGENT_READ_MAX, files with a NUL byte
 * skipped as binary, symlinks met while walking not followed. Match paths are absolute, ready for
 * read and edit. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GREP_MAX_DEPTH 256

struct grep {
	const char *pattern;
	size_t pattern_len;
	bool fixed, ignore_case;
	regex_t re;
	size_t max_matches;
	json_t *matches;
	bool truncated; /* also: stop scanning */
	json_int_t files_scanned;
	berth_err *err;
};

static int oom(berth_err *err)
{
	return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool fixed_match(const struct grep *g, const char *line, size_t len)
{
	size_t i, j;

	if (!g->ignore_case)
		return memmem(line, len, g->pattern, g->pattern_len) != NULL;
	for (i = 0; i + g->pattern_len <= len; i++) {
		for (j = 0; j < g->pattern_len; j++) {
			if (ascii_lower(line[i + j]) != ascii_lower(g->pattern[j]))
				break;
		}
		if (j == g->pattern_len)
			return true;
	}
	return false;
}

/* line is NUL-terminated at len (the file holds no NUL). */
static bool line_matches(const struct grep *g, const char *line, size_t len)
{
	if (g->fixed)
		return fixed_match(g, line, len);
	return regexec(&g->re, line, 0, NULL, 0) == 0;
}

static int add_match(struct grep *g, const char *path, size_t line_no, const char *line, size_t len)
{
	json_t *m;

	if (len > AGENT_GREP_LINE_MAX) {
		len = AGENT_GREP_LINE_MAX;
		while (len > 0 && ((unsigned char)line[len] & 0xc0) == 0x80)
			len--; /* do not cut a UTF-8 sequence */
	}
	m = json_object();
	if (!m || json_set_name(m, "path", path, strlen(path)) < 0 ||
	    json_object_set_new(m, "line", json_integer((json_int_t)line_no)) < 0 ||
	    json_object_set_new(m, "text", json_string_lossy(line, len, NULL)) < 0 ||
	    json_array_append_new(g->matches, m) < 0)
		return oom(g->err);
	return 0;
}

/* Scans one file; one that cannot be read, is too large or binary is skipped. */
static int scan_file(struct grep *g, const char *path)
{
	size_t len, start = 0, line_no = 0;
	berth_err skip;
	char *data;

	if (file_read_all(path, AGENT_READ_MAX, &data, &len, NULL, &skip) < 0)
		return 0;
	if (memchr(data, '\0', len)) {
		free(data);
		return 0;
	}
	g->files_scanned++;
	while (start < len && !g->truncated) {
		char *nl = memchr(data + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - data) : len, line_len = end - start;

		line_no++;
		if (line_len > 0 && data[start + line_len - 1] == '\r')
			line_len--;
		data[start + line_len] = '\0';
		if (line_matches(g, data + start, line_len)) {
			if (json_array_size(g->matches) >= g->max_matches) {
				g->truncated = true;
			} else if (add_match(g, path, line_no, data + start, line_len) < 0) {
				free(data);
				return -1;
			}
		}
		start = end + 1;
	}
	free(data);
	return 0;
}

/* The regular files of the directory dir_fd (named path), and with recursive its
 * subdirectories', in name order; symlinks are not followed. */
static int walk(struct grep *g, int dir_fd, const char *path, bool recursive, int depth)
{
	size_t count = 0, i;
	char **names = dir_read_names(dir_fd, &count, g->err);
	int rc = 0;

	if (!names)
		return -1;
	for (i = 0; i < count && rc == 0 && !g->truncated; i++) {
		struct stat st;
		char *child;

		if (fstatat(dir_fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished meanwhile */
		if (!S_ISREG(st.st_mode) && !(recursive && S_ISDIR(st.st_mode)))
			continue;
		if (asprintf(&child, "%s%s%s", path, strcmp(path, "/") ? "/" : "", names[i]) < 0) {
			rc = oom(g->err);
			break;
		}
		if (S_ISREG(st.st_mode)) {
			rc = scan_file(g, child);
		} else if (depth >= GREP_MAX_DEPTH) {
			g->truncated = true;
		} else {
			int sub = openat(dir_fd, names[i],
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0) { /* an unreadable directory is skipped */
				rc = walk(g, sub, child, true, depth + 1);
				close(sub);
			}
		}
		free(child);
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

int tool_grep(json_t *args, json_t **result, berth_err *err)
{
	struct grep g = { .max_matches = AGENT_GREP_MAX, .err = err };
	uint64_t max_matches = AGENT_GREP_MAX;
	bool recursive = true, compiled = false;
	char *path = NULL;
	struct stat st;
	int fd = -1, rc = -1, code;

	if (arg_path(args, "path", false, &path, err) < 0)
		return -1;
	if (arg_string(args, "pattern", true, &g.pattern, &g.pattern_len, err) < 0 ||
	    arg_bool(args, "recursive", &recursive, err) < 0 ||
	    arg_bool(args, "fixed_string", &g.fixed, err) < 0 ||
	    arg_bool(args, "ignore_case", &g.ignore_case, err) < 0 ||
	    arg_uint(args, "max_matches", AGENT_GREP_MAX, &max_matches, err) < 0)
		goto done;
	if (g.pattern_len == 0 || memchr(g.pattern, '\0', g.pattern_len)) {
		berth_err_set(err, BERTH_E_INVALID,
			      "pattern must be a non-empty string without NUL");
		goto done;
	}
	if (max_matches == 0) {
		berth_err_set(err, BERTH_E_INVALID, "max_matches must be between 1 and %d",
			      AGENT_GREP_MAX);
		goto done;
	}
	g.max_matches = (size_t)max_matches;
	if (!g.fixed) {
		code = regcomp(&g.re, g.pattern,
			       REG_EXTENDED | REG_NOSUB | (g.ignore_case ? REG_ICASE : 0));
		if (code != 0) {
			char msg[256];

			regerror(code, &g.re, msg, sizeof msg);
			berth_err_set(err, BERTH_E_INVALID, "pattern: %s", msg);
			goto done;
		}
		compiled = true;
	}
	g.matches = json_array();
	if (!g.matches) {
		oom(err);
		goto done;
	}
	if (stat(path, &st) < 0) {
		agent_err_errno(err, errno, "grep", path);
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			agent_err_errno(err, errno, "grep", path);
			goto done;
		}
		if (walk(&g, fd, path, recursive, 0) < 0)
			goto done;
	} else if (S_ISREG(st.st_mode)) {
		if (scan_file(&g, path) < 0)
			goto done;
	} else {
		berth_err_setc(err, BERTH_E_INVALID, BERTH_EC_NOT_REGULAR,
			       "%s is neither a regular file nor a directory (%s)", path,
			       file_type_name(st.st_mode));
		goto done;
	}
	*result = json_pack("{s:o, s:O, s:b, s:I}", "path",
			    json_string_lossy(path, strlen(path), NULL), "matches", g.matches,
			    "truncated", g.truncated, "files_scanned", g.files_scanned);
	if (!*result) {
		oom(err);
		goto done;
	}
	rc = 0;
done:
	json_decref(g.matches);
	if (compiled)
		regfree(&g.re);
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}
