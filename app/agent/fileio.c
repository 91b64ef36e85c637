/* fileio.c: bounded reads and in-place writes of regular files, mkdir -p. Files are opened with
 * O_NONBLOCK so that a FIFO planted at a path cannot block a connection's thread. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int agent_err_errno(berth_err *err, int errnum, const char *what, const char *path)
{
	berth_errkind kind = BERTH_E_INTERNAL;

	switch (errnum) {
	case ENOENT: kind = BERTH_E_NOT_FOUND; break;
	case EEXIST:
	case ENOTEMPTY: kind = BERTH_E_ALREADY_EXISTS; break;
	case EACCES:
	case EPERM:
	case EROFS: kind = BERTH_E_PERMISSION; break;
	case ENOTDIR:
	case EISDIR:
	case EINVAL:
	case ENAMETOOLONG:
	case ELOOP: kind = BERTH_E_INVALID; break;
	case EFBIG:
	case ENOSPC: kind = BERTH_E_TOO_LARGE; break;
	}
	return berth_err_set(err, kind, "%s %s: %s", what, path, strerror(errnum));
}

/* Opens path read-only, a regular file only. */
static int open_regular(const char *path, int flags, struct stat *st, berth_err *err)
{
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);

	if (fd < 0)
		return agent_err_errno(err, errno, "open", path);
	if (fstat(fd, st) < 0) {
		agent_err_errno(err, errno, "stat", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		berth_err_setc(err, BERTH_E_INVALID, BERTH_EC_NOT_REGULAR,
			       "%s is not a regular file (%s)", path, file_type_name(st->st_mode));
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, flags & O_ACCMODE) < 0) {
		agent_err_errno(err, errno, "fcntl", path);
		close(fd);
		return -1;
	}
	return fd;
}

int file_read_range(const char *path, uint64_t offset, size_t limit, char **data, size_t *len,
		    uint64_t *size, bool *more, berth_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, cap;
	char probe;
	ssize_t n;
	int fd;

	fd = open_regular(path, O_RDONLY, &st, err);
	if (fd < 0)
		return -1;
	*size = (uint64_t)st.st_size;
	if (offset > (uint64_t)INT64_MAX) {
		berth_err_set(err, BERTH_E_INVALID, "offset too large");
		goto fail;
	}
	/* Start with the size the file says it has (files such as /proc's say 0) and grow until
	 * EOF or the limit. */
	cap = limit;
	if (*size > offset && *size - offset < cap)
		cap = (size_t)(*size - offset);
	if (cap < 4096 && cap < limit)
		cap = limit < 4096 ? limit : 4096;
	buf = malloc(cap + 1);
	if (!buf) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	while (got < limit) {
		if (got == cap) {
			size_t ncap = cap * 2 > limit ? limit : cap * 2;
			char *nbuf = realloc(buf, ncap + 1);

			if (!nbuf) {
				berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
				goto fail;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = pread(fd, buf + got, cap - got, (off_t)(offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			agent_err_errno(err, errno, "read", path);
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*more = false;
	if (got == limit) {
		do
			n = pread(fd, &probe, 1, (off_t)(offset + got));
		while (n < 0 && errno == EINTR);
		*more = n > 0;
	}
	if (*size < offset + got)
		*size = offset + got;
	buf[got] = '\0';
	close(fd);
	*data = buf;
	*len = got;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

int file_read_all(const char *path, size_t max, char **data, size_t *len, mode_t *mode,
		  berth_err *err)
{
	uint64_t size;
	bool more;
	struct stat st;

	if (file_read_range(path, 0, max, data, len, &size, &more, err) < 0)
		return -1;
	if (more) {
		free(*data);
		*data = NULL;
		return berth_err_set(err, BERTH_E_TOO_LARGE, "%s is larger than %zu bytes", path,
				     max);
	}
	if (mode) {
		*mode = 0644;
		if (stat(path, &st) == 0)
			*mode = st.st_mode & 07777;
	}
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int dir_make_parents(const char *path, bool *created, berth_err *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path), i;
	struct stat st;

	*created = false;
	if (len >= sizeof buf)
		return berth_err_set(err, BERTH_E_INVALID, "path too long");
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (i == len)
				*created = true;
		} else if (errno != EEXIST) {
			return agent_err_errno(err, errno, "mkdir", buf);
		} else if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
			return berth_err_setc(err, BERTH_E_INVALID, BERTH_EC_NOT_DIRECTORY,
					      "%s exists and is not a directory", buf);
		}
		if (i < len)
			buf[i] = '/';
	}
	return 0;
}

int file_write(const char *path, const void *data, size_t len, bool make_parents, berth_err *err)
{
	struct stat st;
	int fd;

	if (make_parents) {
		char *slash = strrchr(path, '/');

		if (slash && slash != path) {
			char *parent = strndup(path, (size_t)(slash - path));
			bool created;
			int rc;

			if (!parent)
				return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			rc = dir_make_parents(parent, &created, err);
			free(parent);
			if (rc < 0)
				return -1;
		}
	}
	fd = open_regular(path, O_WRONLY | O_CREAT, &st, err);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, 0) < 0 || write_all(fd, data, len) < 0) {
		agent_err_errno(err, errno, "write", path);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return agent_err_errno(err, errno, "close", path);
	return 0;
}
