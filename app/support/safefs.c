/* safefs.c: symlink-proof file access beneath a root directory (see include/berth/safefs.h). */
#define _GNU_SOURCE /* asprintf, memrchr */
#include "berth/safefs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SAFEFS_MAX_DEPTH 128

static const char *shown(const char *relpath)
{
	return (relpath && *relpath) ? relpath : ".";
}

/* The same resolution as openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) by walking path one
 * component at a time with O_NOFOLLOW, for kernels (before 5.6) and tools (valgrind 3.19) without
 * openat2: an absolute path or ".." fails with EXDEV, a link anywhere with ELOOP. */
static int openat_walk(int dirfd, const char *path, int flags, mode_t mode)
{
	char *copy, *save = NULL, *comp, *next_comp;
	int cur = dirfd, fd = -1, saved;

	if (path[0] == '/') {
		errno = EXDEV;
		return -1;
	}
	copy = strdup(path);
	if (!copy)
		return -1;
	comp = strtok_r(copy, "/", &save);
	while (comp && strcmp(comp, ".") == 0)
		comp = strtok_r(NULL, "/", &save);
	if (!comp) {
		fd = openat(dirfd, ".", flags | O_CLOEXEC, mode);
		goto done;
	}
	for (;;) {
		/* anything after the component ("name/", "name/.") makes it a directory path */
		int dir_only = path[(size_t)(comp - copy) + strlen(comp)] != '\0';

		next_comp = strtok_r(NULL, "/", &save);
		while (next_comp && strcmp(next_comp, ".") == 0)
			next_comp = strtok_r(NULL, "/", &save);
		if (strcmp(comp, "..") == 0) {
			errno = EXDEV;
			break;
		}
		if (!next_comp) {
			if (dir_only && (flags & O_CREAT)) {
				errno = EISDIR; /* as open(2) answers "name/" with O_CREAT */
				break;
			}
			fd = openat(cur, comp,
				    flags | O_CLOEXEC | O_NOFOLLOW | (dir_only ? O_DIRECTORY : 0),
				    mode);
			break;
		}
		fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			break;
		if (cur != dirfd)
			close(cur);
		cur = fd;
		fd = -1;
		comp = next_comp;
	}
done:
	saved = errno;
	if (cur != dirfd)
		close(cur);
	free(copy);
	errno = saved;
	return fd;
}

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
	static int openat2_missing;
	struct open_how how;

	if (openat2_missing)
		return openat_walk(dirfd, path, flags, mode);
	memset(&how, 0, sizeof how);
	how.flags = (unsigned long long)(flags | O_CLOEXEC | O_NOFOLLOW);
	/* the kernel refuses a mode without O_CREAT/O_TMPFILE */
	if (flags & (O_CREAT | __O_TMPFILE))
		how.mode = mode;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	for (;;) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
		if (fd < 0 && errno == ENOSYS) {
			openat2_missing = 1;
			return openat_walk(dirfd, path, flags, mode);
		}
		if (fd >= 0 || errno != EAGAIN)
			return (int)fd;
	}
}

/* Walks relpath component by component (never following) to name the link or non-directory that
 * made a resolution fail, for a clear message. Returns -1 with err set when it found one. */
static int explain_failure(int root_fd, const char *relpath, berth_err *err)
{
	char *copy = strdup(relpath);
	char *save = NULL, *comp;
	int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
	int rc = 0;

	if (!copy || fd < 0) {
		free(copy);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		struct stat st;
		size_t end = (size_t)(comp - copy) + strlen(comp);
		int next;

		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			rc = berth_err_set(err, BERTH_E_PRECONDITION, "%s escapes its root",
					   relpath);
			break;
		}
		if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) != 0)
			break;
		if (S_ISLNK(st.st_mode)) {
			rc = berth_err_setc(err, BERTH_E_PRECONDITION, BERTH_EC_SYMLINK,
					    "%.*s is a symbolic link", (int)end, relpath);
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (save && *save)
				rc = berth_err_setc(err, BERTH_E_PRECONDITION,
						    BERTH_EC_NOT_DIRECTORY,
						    "%.*s is not a directory", (int)end, relpath);
			break;
		}
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			break;
		close(fd);
		fd = next;
	}
	close(fd);
	free(copy);
	return rc;
}

static int open_error(int root_fd, const char *relpath, int errnum, berth_err *err)
{
	switch (errnum) {
	case ELOOP:
		if (explain_failure(root_fd, relpath, err) != 0)
			return -1;
		return berth_err_setc(err, BERTH_E_PRECONDITION, BERTH_EC_SYMLINK,
				      "%s is a symbolic link", shown(relpath));
	case EXDEV:
		return berth_err_set(err, BERTH_E_PRECONDITION, "%s escapes its root",
				     shown(relpath));
	case ENOENT:
		if (explain_failure(root_fd, relpath, err) != 0)
			return -1;
		return berth_err_set(err, BERTH_E_NOT_FOUND, "%s does not exist", shown(relpath));
	case ENOTDIR:
		if (explain_failure(root_fd, relpath, err) != 0)
			return -1;
		return berth_err_setc(err, BERTH_E_PRECONDITION, BERTH_EC_NOT_DIRECTORY,
				      "%s is not a directory", shown(relpath));
	case EISDIR:
		return berth_err_set(err, BERTH_E_PRECONDITION, "%s is a directory",
				     shown(relpath));
	case EEXIST: return berth_err_set(err, BERTH_E_ALREADY_EXISTS, "%s exists", shown(relpath));
	default:
		return berth_err_set(err, BERTH_E_INTERNAL, "%s: %s", shown(relpath),
				     strerror(errnum));
	}
}

int safefs_mkdir_p(const char *path, mode_t mode, berth_err *err)
{
	char *copy = strdup(path);
	int rc = 0;

	if (!copy)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	for (char *p = copy + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;

			*p = '\0';
			if (mkdir(copy, mode) != 0 && errno != EEXIST) {
				rc = berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NONE,
						      "mkdir %s: %s", copy, strerror(errno));
				break;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	free(copy);
	return rc;
}

int safefs_open_root(const char *path, int *fd_out, berth_err *err)
{
	int fd;

	*fd_out = -1;
	if (!path || !*path)
		return berth_err_set(err, BERTH_E_INVALID, "empty root path");
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		struct stat st;

		if ((e == ELOOP || e == ENOTDIR) && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return berth_err_driver(err, BERTH_E_PRECONDITION, BERTH_EC_SYMLINK,
						"%s is a symbolic link", path);
		if (e == ENOENT)
			return berth_err_driver(err, BERTH_E_NOT_FOUND, BERTH_EC_NONE,
						"%s does not exist", path);
		if (e == ENOTDIR)
			return berth_err_driver(err, BERTH_E_PRECONDITION, BERTH_EC_NOT_DIRECTORY,
						"%s is not a directory", path);
		return berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NONE, "%s: %s", path,
					strerror(e));
	}
	*fd_out = fd;
	return 0;
}

int safefs_open(int root_fd, const char *relpath, int flags, mode_t mode, int *fd_out,
		berth_err *err)
{
	const char *p = (relpath && *relpath) ? relpath : ".";
	int fd;

	*fd_out = -1;
	fd = sys_openat2(root_fd, p, flags, mode);
	if (fd < 0)
		return open_error(root_fd, p, errno, err);
	*fd_out = fd;
	return 0;
}

int safefs_open_dir(int root_fd, const char *relpath, int *fd_out, berth_err *err)
{
	return safefs_open(root_fd, relpath, O_RDONLY | O_DIRECTORY, 0, fd_out, err);
}

int safefs_mkdirs(int root_fd, const char *relpath, mode_t mode, int *fd_out, berth_err *err)
{
	char *copy = NULL, *save = NULL, *comp;
	int cur = -1;

	if (fd_out)
		*fd_out = -1;
	cur = sys_openat2(root_fd, ".", O_RDONLY | O_DIRECTORY, 0);
	if (cur < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "root: %s", strerror(errno));
	copy = strdup(relpath ? relpath : "");
	if (!copy) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		size_t end = (size_t)(comp - copy) + strlen(comp);
		int created = 0, next;

		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			berth_err_set(err, BERTH_E_PRECONDITION, "%s escapes its root", relpath);
			goto fail;
		}
		if (mkdirat(cur, comp, mode) == 0)
			created = 1;
		else if (errno != EEXIST) {
			berth_err_set(err, BERTH_E_INTERNAL, "mkdir %.*s: %s", (int)end, relpath,
				      strerror(errno));
			goto fail;
		}
		next = sys_openat2(cur, comp, O_RDONLY | O_DIRECTORY, 0);
		if (next < 0) {
			int e = errno;
			struct stat st;

			if ((e == ELOOP || e == ENOTDIR) &&
			    fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				berth_err_setc(err, BERTH_E_PRECONDITION, BERTH_EC_SYMLINK,
					       "%.*s is a symbolic link", (int)end, relpath);
			else if (e == ENOTDIR || e == ELOOP)
				berth_err_setc(err, BERTH_E_PRECONDITION, BERTH_EC_NOT_DIRECTORY,
					       "%.*s is not a directory", (int)end, relpath);
			else
				berth_err_set(err, BERTH_E_INTERNAL, "open %.*s: %s", (int)end,
					      relpath, strerror(e));
			goto fail;
		}
		close(cur);
		cur = next;
		if (created && fchmod(cur, mode) != 0) {
			berth_err_set(err, BERTH_E_INTERNAL, "chmod %.*s: %s", (int)end, relpath,
				      strerror(errno));
			goto fail;
		}
	}
	free(copy);
	if (fd_out)
		*fd_out = cur;
	else
		close(cur);
	return 0;
fail:
	free(copy);
	if (cur >= 0)
		close(cur);
	return -1;
}

static enum safefs_type type_of_mode(mode_t m)
{
	if (S_ISREG(m))
		return SAFEFS_REG;
	if (S_ISDIR(m))
		return SAFEFS_DIR;
	if (S_ISLNK(m))
		return SAFEFS_LINK;
	return SAFEFS_OTHER;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct safefs_entry *)a)->name,
		      ((const struct safefs_entry *)b)->name);
}

void safefs_entries_free(struct safefs_entry *entries, size_t count)
{
	if (!entries)
		return;
	for (size_t i = 0; i < count; i++)
		free(entries[i].name);
	free(entries);
}

/* Reads every entry of an open directory fd (consumed); more than max_entries fails. */
static int list_fd(int fd, const char *shown_path, size_t max_entries,
		   struct safefs_entry **entries_out, size_t *count_out, berth_err *err)
{
	struct safefs_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return berth_err_set(err, BERTH_E_INTERNAL, "%s: %s", shown_path, strerror(e));
	}
	for (;;) {
		enum safefs_type t;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno != 0) {
				berth_err_set(err, BERTH_E_INTERNAL, "list %s: %s", shown_path,
					      strerror(errno));
				goto fail;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		switch (de->d_type) {
		case DT_REG: t = SAFEFS_REG; break;
		case DT_DIR: t = SAFEFS_DIR; break;
		case DT_LNK: t = SAFEFS_LINK; break;
		case DT_UNKNOWN: {
			struct stat st;
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
				continue; /* vanished meanwhile */
			t = type_of_mode(st.st_mode);
			break;
		}
		default: t = SAFEFS_OTHER; break;
		}
		if (n == max_entries) {
			berth_err_set(err, BERTH_E_TOO_LARGE, "%s has more than %zu entries",
				      shown_path, max_entries);
			goto fail;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct safefs_entry *nv = realloc(v, ncap * sizeof *nv);
			if (!nv) {
				berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
				goto fail;
			}
			v = nv;
			cap = ncap;
		}
		v[n].name = strdup(de->d_name);
		if (!v[n].name) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto fail;
		}
		v[n].type = t;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_entry);
	*entries_out = v;
	*count_out = n;
	return 0;
fail:
	closedir(d);
	safefs_entries_free(v, n);
	return -1;
}

int safefs_list_max(int root_fd, const char *relpath, size_t max_entries,
		    struct safefs_entry **entries_out, size_t *count_out, berth_err *err)
{
	int fd;

	*entries_out = NULL;
	*count_out = 0;
	if (safefs_open_dir(root_fd, relpath, &fd, err) != 0)
		return -1;
	return list_fd(fd, shown(relpath), max_entries, entries_out, count_out, err);
}

int safefs_list(int root_fd, const char *relpath, struct safefs_entry **entries_out,
		size_t *count_out, berth_err *err)
{
	return safefs_list_max(root_fd, relpath, SIZE_MAX, entries_out, count_out, err);
}

/* Splits relpath into its parent (opened safely, caller closes) and its last component. */
static int open_parent(int root_fd, const char *relpath, int *parent_fd, const char **base,
		       berth_err *err)
{
	const char *slash;
	size_t len;
	char *dir;
	int rc;

	*parent_fd = -1;
	if (!relpath || !*relpath)
		return berth_err_set(err, BERTH_E_INVALID, "empty path");
	if (relpath[0] == '/')
		return berth_err_set(err, BERTH_E_PRECONDITION, "%s escapes its root", relpath);
	len = strlen(relpath);
	while (len > 1 && relpath[len - 1] == '/')
		len--;
	if (relpath[len] == '/' && len > 0)
		return berth_err_set(err, BERTH_E_INVALID, "%s: trailing slash", relpath);
	slash = memrchr(relpath, '/', len);
	*base = slash ? slash + 1 : relpath;
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
		return berth_err_set(err, BERTH_E_INVALID, "%s: not a file name", relpath);
	dir = strndup(relpath, slash ? (size_t)(slash - relpath) : 0);
	if (!dir)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	rc = safefs_open_dir(root_fd, dir, parent_fd, err);
	free(dir);
	return rc;
}

int safefs_stat(int root_fd, const char *relpath, int *exists_out, enum safefs_type *type_out,
		berth_err *err)
{
	const char *base;
	struct stat st;
	int pfd;

	*exists_out = 0;
	if (open_parent(root_fd, relpath, &pfd, &base, err) != 0) {
		if (err && err->kind == BERTH_E_NOT_FOUND) {
			berth_err_clear(err);
			return 0;
		}
		return -1;
	}
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		int e = errno;
		close(pfd);
		if (e == ENOENT)
			return 0;
		return berth_err_set(err, BERTH_E_INTERNAL, "%s: %s", relpath, strerror(e));
	}
	close(pfd);
	*exists_out = 1;
	if (type_out)
		*type_out = type_of_mode(st.st_mode);
	return 0;
}

/* Opens relpath for reading only once it is known to be a regular file: an O_PATH open runs no
 * driver code (a device or fifo swapped in is never opened), and reopening that very inode through
 * /proc/self/fd cannot land on anything else. */
static int open_regular(int root_fd, const char *relpath, int *fd_out, struct stat *st,
			berth_err *err)
{
	char proc_path[64];
	int pfd, fd;

	*fd_out = -1;
	if (safefs_open(root_fd, relpath, O_PATH, 0, &pfd, err) != 0)
		return -1;
	if (fstat(pfd, st) != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "%s: %s", relpath, strerror(errno));
		goto fail;
	}
	if (S_ISLNK(st->st_mode)) { /* O_PATH|O_NOFOLLOW opens a link at the last component */
		berth_err_setc(err, BERTH_E_PRECONDITION, BERTH_EC_SYMLINK, "%s is a symbolic link",
			       relpath);
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		berth_err_setc(err, BERTH_E_PRECONDITION, BERTH_EC_NOT_REGULAR,
			       "%s is not a regular file", relpath);
		goto fail;
	}
	snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", pfd);
	fd = open(proc_path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "reopen %s: %s", relpath, strerror(errno));
		goto fail;
	}
	close(pfd);
	*fd_out = fd;
	return 0;
fail:
	close(pfd);
	return -1;
}

int safefs_read(int root_fd, const char *relpath, size_t limit, char **data_out, size_t *len_out,
		berth_err *err)
{
	char *buf = NULL;
	size_t len = 0, cap;
	struct stat st;
	int fd;

	*data_out = NULL;
	*len_out = 0;
	if (open_regular(root_fd, relpath, &fd, &st, err) != 0)
		return -1;
	if ((unsigned long long)st.st_size > limit) {
		berth_err_set(err, BERTH_E_TOO_LARGE, "%s is larger than %zu bytes", relpath,
			      limit);
		goto fail;
	}
	cap = (size_t)st.st_size + 2;
	buf = malloc(cap);
	if (!buf) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	/* the size may change while reading (the bot owns the file): read until EOF, bounded */
	for (;;) {
		ssize_t r;

		if (len + 1 == cap) {
			size_t ncap = cap * 2 > limit + 2 ? limit + 2 : cap * 2;
			char *nb;

			if (ncap <= cap) {
				berth_err_set(err, BERTH_E_TOO_LARGE, "%s is larger than %zu bytes",
					      relpath, limit);
				goto fail;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			berth_err_set(err, BERTH_E_INTERNAL, "read %s: %s", relpath,
				      strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > limit) {
			berth_err_set(err, BERTH_E_TOO_LARGE, "%s is larger than %zu bytes",
				      relpath, limit);
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	*data_out = buf;
	*len_out = len;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int safefs_write_atomic(int root_fd, const char *relpath, const void *data, size_t len, mode_t mode,
			berth_err *err)
{
	char tmp[64];
	const char *base;
	int pfd, fd = -1, tries;

	if (open_parent(root_fd, relpath, &pfd, &base, err) != 0)
		return -1;
	for (tries = 0; tries < 16; tries++) {
		unsigned char rnd[8];

		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
			berth_err_set(err, BERTH_E_INTERNAL, "getrandom: %s", strerror(errno));
			goto fail;
		}
		snprintf(tmp, sizeof tmp, ".berth-tmp-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0],
			 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
		fd = sys_openat2(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "create temp file for %s: %s", relpath,
			      strerror(errno));
		goto fail;
	}
	if (write_all(fd, data, len) != 0 || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "write %s: %s", relpath, strerror(errno));
		goto fail_unlink;
	}
	if (close(fd) != 0) {
		fd = -1;
		berth_err_set(err, BERTH_E_INTERNAL, "write %s: %s", relpath, strerror(errno));
		goto fail_unlink;
	}
	fd = -1;
	if (renameat(pfd, tmp, pfd, base) != 0) {
		int e = errno;
		if (e == EISDIR || e == ENOTEMPTY || e == EEXIST)
			berth_err_set(err, BERTH_E_PRECONDITION, "%s is a directory", relpath);
		else
			berth_err_set(err, BERTH_E_INTERNAL, "rename onto %s: %s", relpath,
				      strerror(e));
		goto fail_unlink;
	}
	(void)fsync(pfd); /* durability of the rename; the data itself is already synced */
	close(pfd);
	return 0;
fail_unlink:
	if (fd >= 0)
		close(fd);
	fd = -1;
	(void)unlinkat(pfd, tmp, 0);
fail:
	if (fd >= 0)
		close(fd);
	close(pfd);
	return -1;
}

/* Lists directory dfd (borrowed) for a recursive walk at depth (bounded by SAFEFS_MAX_DEPTH). */
static int list_for_walk(int dfd, const char *path, int depth, struct safefs_entry **v, size_t *n,
			 berth_err *err)
{
	int fd;

	if (depth > SAFEFS_MAX_DEPTH)
		return berth_err_set(err, BERTH_E_PRECONDITION, "%s: tree too deep", path);
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "%s: %s", path, strerror(errno));
	return list_fd(fd, path, SIZE_MAX, v, n, err);
}

/* Depth-first search for a link in the directory dfd (borrowed). path: for messages. */
static int find_link_in(int dfd, const char *path, int depth, int *found, char **link_path,
			berth_err *err)
{
	struct safefs_entry *v = NULL;
	size_t n = 0;
	int rc = 0;

	if (list_for_walk(dfd, path, depth, &v, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n && !*found && rc == 0; i++) {
		char *child = NULL;

		if (asprintf(&child, "%s/%s", path, v[i].name) < 0) {
			rc = berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			break;
		}
		if (v[i].type == SAFEFS_LINK) {
			*found = 1;
			if (link_path) {
				*link_path = child;
				child = NULL;
			}
		} else if (v[i].type == SAFEFS_DIR) {
			int cfd = openat(dfd, v[i].name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				if (errno == ELOOP || errno == ENOTDIR) {
					*found = 1; /* replaced by a link meanwhile */
					if (link_path) {
						*link_path = child;
						child = NULL;
					}
				} else if (errno != ENOENT) {
					rc = berth_err_set(err, BERTH_E_INTERNAL, "%s: %s", child,
							   strerror(errno));
				}
			} else {
				rc = find_link_in(cfd, child, depth + 1, found, link_path, err);
				close(cfd);
			}
		}
		free(child);
	}
	safefs_entries_free(v, n);
	return rc;
}

int safefs_find_link(int root_fd, const char *relpath, int *found_out, char **link_path_out,
		     berth_err *err)
{
	int exists, fd, rc;
	enum safefs_type t;

	*found_out = 0;
	if (link_path_out)
		*link_path_out = NULL;
	if (safefs_stat(root_fd, relpath, &exists, &t, err) != 0)
		return -1;
	if (!exists)
		return 0;
	if (t == SAFEFS_LINK) {
		*found_out = 1;
		if (link_path_out && !(*link_path_out = strdup(relpath)))
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		return 0;
	}
	if (t != SAFEFS_DIR)
		return 0;
	if (safefs_open_dir(root_fd, relpath, &fd, err) != 0)
		return -1;
	rc = find_link_in(fd, relpath, 0, found_out, link_path_out, err);
	close(fd);
	return rc;
}

/* Removes every entry of directory dfd (borrowed), never following links. */
static int empty_dir(int dfd, const char *path, int depth, berth_err *err)
{
	struct safefs_entry *v = NULL;
	size_t n = 0;
	int rc = 0;

	if (list_for_walk(dfd, path, depth, &v, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *name = v[i].name;

		if (v[i].type == SAFEFS_DIR) {
			int cfd = openat(dfd, name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd >= 0) {
				char *child = NULL;
				if (asprintf(&child, "%s/%s", path, name) < 0) {
					close(cfd);
					rc = berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
					break;
				}
				rc = empty_dir(cfd, child, depth + 1, err);
				free(child);
				close(cfd);
				if (rc != 0)
					break;
				if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
					continue;
			} else if (errno == ENOENT) {
				continue;
			} else if (errno != ELOOP && errno != ENOTDIR) {
				rc = berth_err_set(err, BERTH_E_INTERNAL, "%s/%s: %s", path, name,
						   strerror(errno));
				break;
			}
			/* replaced by a link or file meanwhile: fall through to unlink it */
		}
		if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT) {
			if (errno == EISDIR) {
				rc = berth_err_set(err, BERTH_E_PRECONDITION,
						   "%s/%s changed during removal", path, name);
				break;
			}
			rc = berth_err_set(err, BERTH_E_INTERNAL, "unlink %s/%s: %s", path, name,
					   strerror(errno));
		}
	}
	safefs_entries_free(v, n);
	return rc;
}

int safefs_remove_tree(int root_fd, const char *relpath, berth_err *err)
{
	const char *base;
	struct stat st;
	int pfd, cfd, rc = 0;

	if (open_parent(root_fd, relpath, &pfd, &base, err) != 0) {
		if (err && err->kind == BERTH_E_NOT_FOUND) {
			berth_err_clear(err);
			return 0;
		}
		return -1;
	}
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno != ENOENT)
			rc = berth_err_set(err, BERTH_E_INTERNAL, "%s: %s", relpath,
					   strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		cfd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd >= 0) {
			rc = empty_dir(cfd, relpath, 0, err);
			close(cfd);
			if (rc == 0 && unlinkat(pfd, base, AT_REMOVEDIR) != 0 && errno != ENOENT)
				rc = berth_err_set(err, BERTH_E_INTERNAL, "rmdir %s: %s", relpath,
						   strerror(errno));
			goto out;
		}
		if (errno == ENOENT)
			goto out;
		if (errno != ELOOP && errno != ENOTDIR) {
			rc = berth_err_set(err, BERTH_E_INTERNAL, "%s: %s", relpath,
					   strerror(errno));
			goto out;
		}
	}
	if (unlinkat(pfd, base, 0) != 0 && errno != ENOENT)
		rc = berth_err_set(err, BERTH_E_INTERNAL, "unlink %s: %s", relpath,
				   strerror(errno));
out:
	close(pfd);
	return rc;
}
