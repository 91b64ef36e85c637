/* bootstrap.c: the template bootstrap of the data directory, as the shell init script did it:
 * every entry of the template directory that the data directory lacks (not even a dangling
 * symlink of that name) is copied like `cp -a`: directories recursively, symlinks as symlinks,
 * modes, owners and times kept. Entries already there are never touched. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define COPY_MAX_DEPTH 64

static int copy_entry(int src_dir, int dst_dir, const char *name, int depth, berth_err *err);

static void copy_attrs(int dst_dir, const char *name, const struct stat *st, bool is_link)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	int flags = is_link ? AT_SYMLINK_NOFOLLOW : 0;

	/* Best effort, as cp -a: owner first (it clears set-id bits), then mode, then times. */
	if (fchownat(dst_dir, name, st->st_uid, st->st_gid, flags) < 0 && errno != EPERM)
		agent_log("warn", "bootstrap: chown %s: %s", name, strerror(errno));
	if (!is_link && fchmodat(dst_dir, name, st->st_mode & 07777, 0) < 0)
		agent_log("warn", "bootstrap: chmod %s: %s", name, strerror(errno));
	if (utimensat(dst_dir, name, times, flags) < 0)
		agent_log("warn", "bootstrap: utimes %s: %s", name, strerror(errno));
}

static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st,
		     berth_err *err)
{
	char buf[65536];
	int in = -1, out = -1, rc = -1;
	ssize_t n;

	in = openat(src_dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (in < 0) {
		agent_err_errno(err, errno, "open template file", name);
		goto done;
	}
	out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) {
		agent_err_errno(err, errno, "create", name);
		goto done;
	}
	for (;;) {
		n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			agent_err_errno(err, errno, "read template file", name);
			goto done;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				agent_err_errno(err, errno, "write", name);
				goto done;
			}
			off += w;
		}
	}
	rc = 0;
done:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && rc == 0)
		rc = agent_err_errno(err, errno, "close", name);
	if (rc == 0)
		copy_attrs(dst_dir, name, st, false);
	return rc;
}

static int copy_dir(int src_dir, int dst_dir, const char *name, const struct stat *st, int depth,
		    berth_err *err)
{
	int src = -1, dst = -1, rc = -1;
	DIR *d = NULL;
	struct dirent *de;

	if (depth >= COPY_MAX_DEPTH)
		return berth_err_set(err, BERTH_E_INVALID, "template deeper than %d levels", depth);
	if (mkdirat(dst_dir, name, 0700) < 0)
		return agent_err_errno(err, errno, "mkdir", name);
	src = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	dst = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (src < 0 || dst < 0) {
		agent_err_errno(err, errno, "open directory", name);
		goto done;
	}
	d = fdopendir(src);
	if (!d) {
		agent_err_errno(err, errno, "read directory", name);
		goto done;
	}
	src = -1;
	rc = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (copy_entry(dirfd(d), dst, de->d_name, depth + 1, err) < 0)
			rc = -1;
	}
done:
	if (d)
		closedir(d);
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	copy_attrs(dst_dir, name, st, false);
	return rc;
}

static int copy_entry(int src_dir, int dst_dir, const char *name, int depth, berth_err *err)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;

	if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return agent_err_errno(err, errno, "stat template entry", name);
	if (S_ISDIR(st.st_mode))
		return copy_dir(src_dir, dst_dir, name, &st, depth, err);
	if (S_ISREG(st.st_mode))
		return copy_file(src_dir, dst_dir, name, &st, err);
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(src_dir, name, target, sizeof target - 1);
		if (n < 0)
			return agent_err_errno(err, errno, "readlink", name);
		target[n] = '\0';
		if (symlinkat(target, dst_dir, name) < 0)
			return agent_err_errno(err, errno, "symlink", name);
		copy_attrs(dst_dir, name, &st, true);
		return 0;
	}
	if (S_ISFIFO(st.st_mode)) {
		if (mkfifoat(dst_dir, name, st.st_mode & 07777) < 0)
			return agent_err_errno(err, errno, "mkfifo", name);
		copy_attrs(dst_dir, name, &st, false);
		return 0;
	}
	agent_log("warn", "bootstrap: %s: %s skipped", name, file_type_name(st.st_mode));
	return 0;
}

int agent_bootstrap(const char *template_dir, const char *data_dir, berth_err *err)
{
	int src = -1, dst = -1, rc = -1;
	bool created;
	DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	berth_err one;

	src = open(template_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return agent_err_errno(err, errno, "open template", template_dir);
	}
	if (dir_make_parents(data_dir, &created, err) < 0)
		goto done;
	dst = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0) {
		agent_err_errno(err, errno, "open", data_dir);
		goto done;
	}
	d = fdopendir(src);
	if (!d) {
		agent_err_errno(err, errno, "read directory", template_dir);
		goto done;
	}
	src = -1;
	rc = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dst, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
			continue;
		berth_err_clear(&one);
		if (copy_entry(dirfd(d), dst, de->d_name, 0, &one) < 0)
			agent_log("warn", "bootstrap: %s", one.msg);
		else
			agent_log("info", "bootstrap: copied %s", de->d_name);
	}
done:
	if (d)
		closedir(d);
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	return rc;
}
