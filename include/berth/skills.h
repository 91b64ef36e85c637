/* skills.h: a bot's skills (reference §10, with Berth's fixes), stored on the host as
 * <data dir>/.skills/<name>/SKILL.md. The data dir belongs to the bot, so everything goes through
 * safefs beneath the data dir fd: a symbolic link anywhere on a path Berth touches (.skills,
 * .skills/<name>, inside it, SKILL.md) makes the request fail with BERTH_E_PRECONDITION
 * "<path> is a symbolic link", and nothing outside the data dir is read, written or deleted.
 *
 * JSON in and out (bodies are BORROWED, results NEW):
 *   list   -> {"skills":[{"name","description","content","metadata"?}]}, in name order:
 *             directories of .skills holding a SKILL.md, plus .skills/SKILL.md as "default".
 *             A read creates nothing: without .skills the list is empty.
 *             Unreadable, non-regular or oversized SKILL.md files are skipped. At most
 *             limits->max_count skills are returned (the first in name order), and at most
 *             8 x limits->max_bytes of encoded JSON: the skill that would pass that bound and
 *             every one after it (name order) are left out, with a warning in the log (the
 *             request succeeds with the skills that fit).
 *   upsert <- {"skills":[{"name","description"?,"content"?,"metadata"?}]}
 *   delete <- {"names":[...]}
 * Errors (kind -> intended HTTP status):
 *   BERTH_E_INVALID       "skills is required" / "names is required" / "invalid skill name" /
 *                         "invalid skill <field>" / "invalid request body"            -> 400
 *   BERTH_E_TOO_LARGE     a SKILL.md over limits->max_bytes; more than limits->max_count skills
 *                         after the upsert (existing + new names); list and upsert: .skills
 *                         holding more than 4 x limits->max_count + 64 entries (not read
 *                         further: the bot could create millions)                     -> 413
 *   BERTH_E_PRECONDITION  a symbolic link or a non-directory where Berth expects one    -> 409
 *   other                 I/O errors                                                    -> 500
 * Upsert and delete validate every entry (and the paths they touch) before changing anything.
 * Error messages are valid UTF-8 whatever bytes the bot put in its file names (invalid bytes are
 * shown as U+FFFD; names are cut at character boundaries).
 *
 * Parsing of SKILL.md: trimmed text; without a "---" front matter (or with an unclosed one) the
 * content is the whole text; otherwise the front matter is YAML (libyaml): "name" (non-blank
 * overrides the directory name), "description" (trimmed), "metadata" (a mapping -> JSON object;
 * a number out of double's range, which JSON cannot hold, stays a string),
 * the content is the body after the closing "---". Invalid YAML: name = directory name, content =
 * body. Then (3aea635e4): empty description -> the name; empty content -> the description;
 * empty name -> "default". Upsert with empty content generates front matter with proper YAML
 * quoting (name, description or name, metadata when given) and a "# <name>" body.
 */
#ifndef BERTH_SKILLS_H
#define BERTH_SKILLS_H

#include <jansson.h>

#include "berth/config.h"
#include "berth/err.h"

struct skills_limits {
	int max_count;	/* config skills_max_count (<= 0: 256) */
	long max_bytes; /* config skill_max_bytes (<= 0: 1 MiB) */
};

/* Name rule shared by upsert and delete (after trimming spaces): non-empty, not "." or "..",
 * no '/', '\\', NUL or control characters, at most 255 bytes. name may contain NULs, hence len. */
int skills_name_valid(const char *name, size_t len);

int skills_list(int data_dir_fd, const struct skills_limits *limits, json_t **out, berth_err *err);
int skills_upsert(int data_dir_fd, const json_t *body, const struct skills_limits *limits,
		  berth_err *err);
int skills_delete(int data_dir_fd, const json_t *body, berth_err *err);

/* Parses one SKILL.md text (len bytes) found in directory dir_name (rules above). NEW object
 * {"name","description","content","metadata"?}. Exposed for tests. */
json_t *skills_parse(const char *dir_name, const char *text, size_t len);

#endif
