/* tool_files.c: read, read_base64, write, stat, mkdir, rename, delete. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static json_t *path_json(const char *path)
{
	return json_string_lossy(path, strlen(path), NULL);
}

static int oom(berth_err *err)
{
	return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
}

/* read and read_base64 share their arguments. */
static int read_args(json_t *args, char **path, uint64_t *offset, uint64_t *limit, berth_err *err)
{
	*offset = 0;
	*limit = AGENT_READ_MAX;
	if (arg_path(args, "path", true, path, err) < 0)
		return -1;
	if (arg_uint(args, "offset", (uint64_t)INT64_MAX, offset, err) < 0 ||
	    arg_uint(args, "limit", AGENT_READ_MAX, limit, err) < 0) {
		free(*path);
		*path = NULL;
		return -1;
	}
	return 0;
}

int tool_read(json_t *args, json_t **result, berth_err *err)
{
	char *path = NULL, *data = NULL;
	uint64_t offset, limit, size;
	size_t len, valid;
	bool more;
	int rc = -1;

	if (read_args(args, &path, &offset, &limit, err) < 0)
		return -1;
	if (file_read_range(path, offset, (size_t)limit, &data, &len, &size, &more, err) < 0)
		goto done;
	valid = utf8_valid_prefix(data, len);
	/* A character cut by the limit is left for the next read. */
	if (valid < len && more && len - valid < 4) {
		unsigned char lead = (unsigned char)data[valid];
		size_t need = lead >= 0xf0 && lead <= 0xf4  ? 4
			      : lead >= 0xe0 && lead < 0xf0 ? 3
			      : lead >= 0xc2 && lead < 0xe0 ? 2
							    : 0;
		size_t k = valid + 1;

		while (k < len && ((unsigned char)data[k] & 0xc0) == 0x80)
			k++;
		if (need > len - valid && k == len)
			len = valid;
	}
	if (valid < len) {
		berth_err_set(
			err, BERTH_E_INVALID,
			"%s is not valid UTF-8 text (invalid byte at offset %llu); use read_base64",
			path, (unsigned long long)(offset + valid));
		goto done;
	}
	*result = json_pack("{s:o, s:s%, s:I, s:I, s:b}", "path", path_json(path), "content", data,
			    len, "size", (json_int_t)size, "offset", (json_int_t)offset,
			    "truncated", more || offset + len < size);
	if (!*result) {
		oom(err);
		goto done;
	}
	rc = 0;
done:
	free(data);
	free(path);
	return rc;
}

static const struct {
	const char *ext;
	const char *mime;
} mime_by_ext[] = {
	{ "png", "image/png" },		{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },	{ "gif", "image/gif" },
	{ "webp", "image/webp" },	{ "bmp", "image/bmp" },
	{ "svg", "image/svg+xml" },	{ "ico", "image/x-icon" },
	{ "mp3", "audio/mpeg" },	{ "wav", "audio/wav" },
	{ "ogg", "audio/ogg" },		{ "flac", "audio/flac" },
	{ "mp4", "video/mp4" },		{ "webm", "video/webm" },
	{ "pdf", "application/pdf" },	{ "zip", "application/zip" },
	{ "gz", "application/gzip" },	{ "tar", "application/x-tar" },
	{ "json", "application/json" }, { "txt", "text/plain" },
	{ "md", "text/markdown" },	{ "html", "text/html" },
	{ "htm", "text/html" },		{ "css", "text/css" },
	{ "js", "text/javascript" },	{ "csv", "text/csv" },
	{ "xml", "application/xml" },	{ "yaml", "application/yaml" },
	{ "yml", "application/yaml" },
};

static const char *mime_guess(const char *path, const unsigned char *d, size_t len, bool whole)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t i;

	if (dot && (!slash || dot > slash)) {
		for (i = 0; i < sizeof mime_by_ext / sizeof mime_by_ext[0]; i++) {
			if (!strcasecmp(dot + 1, mime_by_ext[i].ext))
				return mime_by_ext[i].mime;
		}
	}
	if (len >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (len >= 3 && !memcmp(d, "\xff\xd8\xff", 3))
		return "image/jpeg";
	if (len >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6)))
		return "image/gif";
	if (len >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return "image/webp";
	if (len >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WAVE", 4))
		return "audio/wav";
	if (len >= 2 && !memcmp(d, "BM", 2) && len >= 14)
		return "image/bmp";
	if (len >= 4 && !memcmp(d, "OggS", 4))
		return "audio/ogg";
	if (len >= 4 && !memcmp(d, "fLaC", 4))
		return "audio/flac";
	if (len >= 3 && !memcmp(d, "ID3", 3))
		return "audio/mpeg";
	if (len >= 5 && !memcmp(d, "%PDF-", 5))
		return "application/pdf";
	if (len >= 4 && !memcmp(d, "PK\x03\x04", 4))
		return "application/zip";
	if (len >= 2 && !memcmp(d, "\x1f\x8b", 2))
		return "application/gzip";
	if (len >= 4 && !memcmp(d, "<svg", 4))
		return "image/svg+xml";
	/* Text when valid UTF-8 (a character cut at the end of a partial read is allowed). */
	i = utf8_valid_prefix((const char *)d, len);
	if (!memchr(d, '\0', len) && (i == len || (!whole && len - i < 4)))
		return "text/plain";
	return "application/octet-stream";
}

int tool_read_base64(json_t *args, json_t **result, berth_err *err)
{
	char *path = NULL, *data = NULL, *b64 = NULL;
	uint64_t offset, limit, size;
	size_t len, b64_len;
	bool more;
	int rc = -1;

	if (read_args(args, &path, &offset, &limit, err) < 0)
		return -1;
	if (file_read_range(path, offset, (size_t)limit, &data, &len, &size, &more, err) < 0)
		goto done;
	b64 = base64_encode((unsigned char *)data, len, &b64_len);
	if (!b64) {
		oom(err);
		goto done;
	}
	*result = json_pack("{s:o, s:s%, s:s, s:I, s:I, s:b}", "path", path_json(path), "data", b64,
			    b64_len, "mime_type",
			    mime_guess(path, (unsigned char *)data, len, offset == 0 && !more),
			    "size", (json_int_t)size, "offset", (json_int_t)offset, "truncated",
			    more || offset + len < size);
	if (!*result) {
		oom(err);
		goto done;
	}
	rc = 0;
done:
	free(b64);
	free(data);
	free(path);
	return rc;
}

int tool_write(json_t *args, json_t **result, berth_err *err)
{
	const char *content = NULL, *encoding = "utf8";
	unsigned char *decoded = NULL;
	size_t content_len = 0, len;
	const void *bytes;
	char *path = NULL;
	int rc = -1;

	if (arg_path(args, "path", true, &path, err) < 0)
		return -1;
	if (arg_string(args, "content", true, &content, &content_len, err) < 0 ||
	    arg_string(args, "encoding", false, &encoding, NULL, err) < 0)
		goto done;
	if (!strcmp(encoding, "base64")) {
		if (base64_decode(content, content_len, &decoded, &len) < 0) {
			berth_err_set(err, BERTH_E_INVALID, "content is not valid base64");
			goto done;
		}
		bytes = decoded;
	} else if (!strcmp(encoding, "utf8") || !strcmp(encoding, "utf-8")) {
		bytes = content;
		len = content_len;
	} else {
		berth_err_set(err, BERTH_E_INVALID, "encoding must be \"utf8\" or \"base64\"");
		goto done;
	}
	if (file_write(path, bytes, len, true, err) < 0)
		goto done;
	*result = json_pack("{s:o, s:I}", "path", path_json(path), "bytes_written",
			    (json_int_t)len);
	if (!*result) {
		oom(err);
		goto done;
	}
	rc = 0;
done:
	free(decoded);
	free(path);
	return rc;
}

int tool_stat(json_t *args, json_t **result, berth_err *err)
{
	char *path = NULL, target[PATH_MAX];
	struct stat st;
	json_t *obj = NULL;
	ssize_t n;

	if (arg_path(args, "path", true, &path, err) < 0)
		return -1;
	if (lstat(path, &st) < 0) {
		agent_err_errno(err, errno, "stat", path);
		goto fail;
	}
	obj = json_pack("{s:o, s:I, s:I, s:I}", "path", path_json(path), "uid",
			(json_int_t)st.st_uid, "gid", (json_int_t)st.st_gid, "nlink",
			(json_int_t)st.st_nlink);
	if (!obj || entry_add_stat(obj, &st) < 0) {
		oom(err);
		goto fail;
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, target, sizeof target - 1);
		if (n >= 0 && json_set_name(obj, "link_target", target, (size_t)n) < 0) {
			oom(err);
			goto fail;
		}
	}
	free(path);
	*result = obj;
	return 0;
fail:
	json_decref(obj);
	free(path);
	return -1;
}

int tool_mkdir(json_t *args, json_t **result, berth_err *err)
{
	bool parents = true, created = false;
	char *path = NULL;

	if (arg_path(args, "path", true, &path, err) < 0)
		return -1;
	if (arg_bool(args, "parents", &parents, err) < 0)
		goto fail;
	if (parents) {
		if (dir_make_parents(path, &created, err) < 0)
			goto fail;
	} else if (mkdir(path, 0755) < 0) {
		agent_err_errno(err, errno, "mkdir", path);
		goto fail;
	} else {
		created = true;
	}
	*result = json_pack("{s:o, s:b}", "path", path_json(path), "created", created);
	free(path);
	return *result ? 0 : oom(err);
fail:
	free(path);
	return -1;
}

int tool_rename(json_t *args, json_t **result, berth_err *err)
{
	char *from = NULL, *to = NULL;
	struct stat st;
	int rc = -1;

	if (arg_path(args, "source", true, &from, err) < 0 ||
	    arg_path(args, "destination", true, &to, err) < 0)
		goto done;
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0) {
		if (errno != EINVAL) {
			agent_err_errno(err, errno, "rename", from);
			goto done;
		}
		/* A filesystem without RENAME_NOREPLACE: check, then rename. */
		if (lstat(to, &st) == 0) {
			agent_err_errno(err, EEXIST, "rename to", to);
			goto done;
		}
		if (rename(from, to) < 0) {
			agent_err_errno(err, errno, "rename", from);
			goto done;
		}
	}
	*result = json_pack("{s:o, s:o}", "source", path_json(from), "destination", path_json(to));
	rc = *result ? 0 : oom(err);
done:
	free(from);
	free(to);
	return rc;
}

/* rm -r below dir_fd/name without following symlinks or crossing a mount point. */
static int remove_tree(int dir_fd, const char *name, dev_t dev, int depth, berth_err *err)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return agent_err_errno(err, errno, "stat", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dir_fd, name, 0) < 0)
			return agent_err_errno(err, errno, "unlink", name);
		return 0;
	}
	if (st.st_dev != dev)
		return berth_err_set(err, BERTH_E_INVALID, "%s is a mount point; not removed",
				     name);
	if (depth > 512)
		return berth_err_set(err, BERTH_E_INVALID, "directory tree too deep");
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return agent_err_errno(err, errno, "open", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return agent_err_errno(err, errno, "read directory", name);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (remove_tree(dirfd(d), de->d_name, dev, depth + 1, err) < 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	if (rc == 0 && unlinkat(dir_fd, name, AT_REMOVEDIR) < 0)
		return agent_err_errno(err, errno, "rmdir", name);
	return rc;
}

int tool_delete(json_t *args, json_t **result, berth_err *err)
{
	bool recursive = false;
	char *path = NULL;
	struct stat st;
	int rc = -1;

	if (arg_path(args, "path", true, &path, err) < 0)
		return -1;
	if (arg_bool(args, "recursive", &recursive, err) < 0)
		goto done;
	if (!strcmp(path, "/")) {
		berth_err_set(err, BERTH_E_INVALID, "refusing to delete /");
		goto done;
	}
	if (lstat(path, &st) < 0) {
		agent_err_errno(err, errno, "delete", path);
		goto done;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0) {
			agent_err_errno(err, errno, "delete", path);
			goto done;
		}
	} else if (!recursive) {
		if (rmdir(path) < 0) {
			if (errno == ENOTEMPTY || errno == EEXIST)
				berth_err_set(err, BERTH_E_PRECONDITION,
					      "%s is a non-empty directory; pass recursive:true",
					      path);
			else
				agent_err_errno(err, errno, "delete", path);
			goto done;
		}
	} else if (remove_tree(AT_FDCWD, path, st.st_dev, 0, err) < 0) {
		berth_err_prefix(err, "delete %s", path);
		goto done;
	}
	*result = json_pack("{s:o, s:b}", "path", path_json(path), "deleted", 1);
	rc = *result ? 0 : oom(err);
done:
	free(path);
	return rc;
}
