/* safefs.h: symlink-proof access beneath a directory that someone else (a bot) controls.
 *
 * Every function takes a root directory fd (from safefs_open_root) and a path RELATIVE to it.
 * Paths are resolved with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS):
 * a symbolic link at any component, an absolute path or a ".." that climbs out of the root makes
 * the call fail; nothing outside the root is ever read, written, listed or deleted. A trailing
 * slash ("name/") requires a directory, as open(2) does. Needs /proc mounted (safefs_read).
 *
 * Errors (berth_err kinds):
 *   BERTH_E_PRECONDITION  "<path> is a symbolic link", "<path> is not a directory",
 *                         "<path> is not a regular file", "<path> escapes its root"
 *   BERTH_E_NOT_FOUND     the path (or a parent) does not exist
 *   BERTH_E_TOO_LARGE     safefs_read of a file over the limit
 *   BERTH_E_INVALID       an empty path or a bad file name for a write
 *   BERTH_E_INTERNAL      any other system error (message names the path and errno text)
 * with the sub-codes BERTH_EC_SYMLINK, BERTH_EC_NOT_DIRECTORY and BERTH_EC_NOT_REGULAR for the
 * first three (callers decide on those, never on the text: the path is a name a bot chose).
 * safefs_open_root's messages name a host path: they are detail_only.
 * Every returned fd is O_CLOEXEC and owned by the caller (close it). Strings are borrowed.
 */
#ifndef BERTH_SAFEFS_H
#define BERTH_SAFEFS_H

#include <stddef.h>
#include <sys/types.h>

#include "berth/err.h"

/* Opens an absolute (or cwd-relative) directory path as a root: O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC.
 * The LAST component must be a real directory (a link there -> BERTH_E_PRECONDITION); earlier
 * components belong to the host administrator and are resolved normally. */
int safefs_open_root(const char *path, int *fd_out, berth_err *err);

/* mkdir -p of an administrator's path (configured roots, caches): links are followed, as it is
 * not bot-controlled; existing directories are fine. BERTH_E_INTERNAL (detail only) on failure. */
int safefs_mkdir_p(const char *path, mode_t mode, berth_err *err);

/* openat2 beneath root_fd with the rules above. flags are open(2) flags (O_CLOEXEC is added;
 * O_NOFOLLOW is implied); mode is used with O_CREAT. relpath "" or "." opens the root itself. */
int safefs_open(int root_fd, const char *relpath, int flags, mode_t mode, int *fd_out,
		berth_err *err);

/* Opens an existing directory beneath root_fd (O_RDONLY|O_DIRECTORY). */
int safefs_open_dir(int root_fd, const char *relpath, int *fd_out, berth_err *err);

/* mkdir -p beneath root_fd: each missing component is created with mkdirat(mode; set exactly with
 * fchmod when created, existing directories keep their mode) and every component is opened without
 * following links. A link or a non-directory on the way -> BERTH_E_PRECONDITION.
 * fd_out (may be NULL) receives an fd of the last directory. */
int safefs_mkdirs(int root_fd, const char *relpath, mode_t mode, int *fd_out, berth_err *err);

enum safefs_type { SAFEFS_REG, SAFEFS_DIR, SAFEFS_LINK, SAFEFS_OTHER };

struct safefs_entry {
	char *name;	       /* owned by the array */
	enum safefs_type type; /* of the entry itself, links are never followed */
};

/* Lists a directory beneath root_fd (without "." and ".."), sorted by name (strcmp).
 * *entries_out is NEW: free with safefs_entries_free. */
int safefs_list(int root_fd, const char *relpath, struct safefs_entry **entries_out,
		size_t *count_out, berth_err *err);
/* The same, reading at most max_entries entries: a directory holding more (someone else can
 * create millions) fails with BERTH_E_TOO_LARGE "<path> has more than <max> entries" before
 * more memory is spent on it. */
int safefs_list_max(int root_fd, const char *relpath, size_t max_entries,
		    struct safefs_entry **entries_out, size_t *count_out, berth_err *err);
void safefs_entries_free(struct safefs_entry *entries, size_t count);

/* Type of the entry at relpath (links not followed; the parent path must be link-free).
 * Absent -> *exists_out = 0 and success. */
int safefs_stat(int root_fd, const char *relpath, int *exists_out, enum safefs_type *type_out,
		berth_err *err);

/* Reads a regular file beneath root_fd (never a link, fifo, device or directory: the entry is
 * opened O_PATH, checked with fstat and only then reopened for reading through /proc/self/fd, so
 * nothing else is ever opened for reading, not even for a moment). More than
 * limit bytes -> BERTH_E_TOO_LARGE. *data_out is NEW (malloc, free()), NUL-terminated;
 * *len_out excludes the NUL (the file may itself contain NULs). */
int safefs_read(int root_fd, const char *relpath, size_t limit, char **data_out, size_t *len_out,
		berth_err *err);

/* Atomically replaces relpath with data: a temp file with a random name (O_CREAT|O_EXCL) in the
 * same directory, write, fchmod(mode), fsync, renameat over the name. Whatever was at the name
 * (a file, or a link: the link is replaced, its target untouched) is replaced; a directory there
 * fails. The parent directory must exist. */
int safefs_write_atomic(int root_fd, const char *relpath, const void *data, size_t len, mode_t mode,
			berth_err *err);

/* True (1) when the entry at relpath is a link or a tree containing a link anywhere; 0 when it is
 * link-free or absent. *link_path_out (may be NULL) receives the first link found, NEW (free()). */
int safefs_find_link(int root_fd, const char *relpath, int *found_out, char **link_path_out,
		     berth_err *err);

/* rm -rf beneath root_fd that never follows a link: a link (at relpath or inside the tree) is
 * unlinked as a link. Absent is success. Trees deeper than 128 levels are refused
 * (BERTH_E_PRECONDITION) rather than recursing without bound. Callers that want planted links to
 * fail the operation check with safefs_find_link first. relpath must name an entry (not the root). */
int safefs_remove_tree(int root_fd, const char *relpath, berth_err *err);

#endif
