/* tool_list.c: list, a directory's entries (or a whole tree), bounded, symlinks never followed. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIST_MAX_DEPTH 256

struct list_walk {
	json_t *entries;
	bool truncated;
	berth_err *err;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **dir_read_names(int dir_fd, size_t *count, berth_err *err)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd = dup(dir_fd);
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		agent_err_errno(err, errno, "read directory", "");
		return NULL;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **nn = realloc(names, ncap * sizeof *nn);

			if (!nn)
				goto oom;
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto oom;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	*count = n;
	if (!names)
		names = malloc(sizeof *names);
	return names;
oom:
	closedir(d);
	while (n)
		free(names[--n]);
	free(names);
	berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return NULL;
}

static int walk(struct list_walk *w, int dir_fd, const char *rel, bool recursive, int depth)
{
	size_t count = 0, i;
	char **names = dir_read_names(dir_fd, &count, w->err);
	int rc = 0;

	if (!names)
		return -1;
	for (i = 0; i < count && rc == 0; i++) {
		struct stat st;
		json_t *e;
		char *path;

		if (json_array_size(w->entries) >= AGENT_LIST_MAX) {
			w->truncated = true;
			break;
		}
		if (fstatat(dir_fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished meanwhile */
		if (asprintf(&path, "%s%s%s", rel, rel[0] ? "/" : "", names[i]) < 0) {
			rc = berth_err_set(w->err, BERTH_E_INTERNAL, "out of memory");
			break;
		}
		e = json_object();
		if (!e || json_set_name(e, "path", path, strlen(path)) < 0 ||
		    json_set_name(e, "name", names[i], strlen(names[i])) < 0 ||
		    entry_add_stat(e, &st) < 0 || json_array_append_new(w->entries, e) < 0) {
			rc = berth_err_set(w->err, BERTH_E_INTERNAL, "out of memory");
			free(path);
			break;
		}
		if (recursive && S_ISDIR(st.st_mode)) {
			int sub;

			if (depth >= LIST_MAX_DEPTH) {
				w->truncated = true;
			} else if ((sub = openat(dir_fd, names[i],
						 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							 O_CLOEXEC)) >= 0) {
				rc = walk(w, sub, path, true, depth + 1);
				close(sub);
			}
		}
		free(path);
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

int tool_list(json_t *args, json_t **result, berth_err *err)
{
	struct list_walk w = { .err = err };
	bool recursive = false;
	char *path = NULL;
	int fd = -1, rc = -1;

	if (arg_path(args, "path", false, &path, err) < 0)
		return -1;
	if (arg_bool(args, "recursive", &recursive, err) < 0)
		goto done;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		agent_err_errno(err, errno, "list", path);
		goto done;
	}
	w.entries = json_array();
	if (!w.entries) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	if (walk(&w, fd, "", recursive, 0) < 0)
		goto done;
	*result = json_pack("{s:o, s:O, s:b}", "path", json_string_lossy(path, strlen(path), NULL),
			    "entries", w.entries, "truncated", w.truncated);
	if (!*result) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	rc = 0;
done:
	json_decref(w.entries);
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}
