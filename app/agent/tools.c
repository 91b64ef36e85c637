/* tools.c: the tool table (names, descriptions, JSON schemas) and the argument helpers every
 * tool uses. */
#include "agent.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_PATH                                                                                     \
	"\"path\":{\"type\":\"string\",\"description\":\"container path; relative to /data unless absolute\"}"
#define S_ENTRY_FIELDS                                                                                                             \
	"\"type\":{\"type\":\"string\",\"enum\":[\"file\",\"dir\",\"symlink\",\"fifo\",\"socket\",\"char\",\"block\",\"other\"]}," \
	"\"size\":{\"type\":\"integer\"},\"mode\":{\"type\":\"integer\"},\"mtime\":{\"type\":\"string\"}"

static const struct agent_tool tools[] = {
	{ "apply_patch", "Apply patch",
	  "Applies a unified diff to one file. Hunks are applied by line number with exact context; "
	  "either every hunk applies or the file is left unchanged.",
	  "{\"type\":\"object\",\"properties\":{" S_PATH ",\"patch\":{\"type\":\"string\"}},"
	  "\"required\":[\"path\",\"patch\"]}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"hunks\":{\"type\":\"integer\"}},"
	  "\"required\":[\"path\",\"hunks\"]}",
	  false, true, tool_apply_patch },
	{ "delete", "Delete",
	  "Deletes a file, symlink or directory (a non-empty directory needs recursive:true).",
	  "{\"type\":\"object\",\"properties\":{" S_PATH
	  ",\"recursive\":{\"type\":\"boolean\",\"default\":false}},"
	  "\"required\":[\"path\"]}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"deleted\":{\"type\":\"boolean\"}},"
	  "\"required\":[\"path\",\"deleted\"]}",
	  false, true, tool_delete },
	{ "edit", "Edit file",
	  "Replaces old_text with new_text in a file. old_text must match exactly once (a match that "
	  "differs only in trailing whitespace, smart quotes, dashes or special spaces is accepted). "
	  "Line endings and a BOM are kept.",
	  "{\"type\":\"object\",\"properties\":{" S_PATH ",\"old_text\":{\"type\":\"string\"},"
	  "\"new_text\":{\"type\":\"string\"}},\"required\":[\"path\",\"old_text\",\"new_text\"]}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"replacements\":{\"type\":\"integer\"},"
	  "\"fuzzy\":{\"type\":\"boolean\"}},\"required\":[\"path\",\"replacements\",\"fuzzy\"]}",
	  false, true, tool_edit },
	{ "exec", "Run command",
	  "Runs a command in the container: `command` through /bin/sh -c (split into words when the "
	  "image has no shell), or `argv` directly. Output is bounded (1 MiB per stream); the whole "
	  "process group is killed at the timeout.",
	  "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"},"
	  "\"argv\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1},"
	  "\"work_dir\":{\"type\":\"string\",\"default\":\"/data\"},"
	  "\"env\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}},"
	  "\"stdin\":{\"type\":\"string\"},"
	  "\"timeout_s\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":600,\"default\":60}}}",
	  "{\"type\":\"object\",\"properties\":{\"exit_code\":{\"type\":\"integer\"},"
	  "\"signal\":{\"type\":[\"integer\",\"null\"]},\"stdout\":{\"type\":\"string\"},"
	  "\"stderr\":{\"type\":\"string\"},\"stdout_truncated\":{\"type\":\"boolean\"},"
	  "\"stderr_truncated\":{\"type\":\"boolean\"},\"timed_out\":{\"type\":\"boolean\"},"
	  "\"duration_ms\":{\"type\":\"integer\"}},"
	  "\"required\":[\"exit_code\",\"signal\",\"stdout\",\"stderr\",\"stdout_truncated\","
	  "\"stderr_truncated\",\"timed_out\",\"duration_ms\"]}",
	  false, true, tool_exec },
	{ "grep", "Search files",
	  "Searches files for a POSIX extended regular expression (or a fixed string) and returns "
	  "the matching lines.",
	  "{\"type\":\"object\",\"properties\":{\"pattern\":{\"type\":\"string\",\"minLength\":1}," S_PATH
	  ","
	  "\"recursive\":{\"type\":\"boolean\",\"default\":true},\"fixed_string\":{\"type\":\"boolean\",\"default\":false},"
	  "\"ignore_case\":{\"type\":\"boolean\",\"default\":false},"
	  "\"max_matches\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,\"default\":1000}},"
	  "\"required\":[\"pattern\"]}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"matches\":{\"type\":\"array\","
	  "\"items\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"line\":{\"type\":\"integer\"},"
	  "\"text\":{\"type\":\"string\"}},\"required\":[\"path\",\"line\",\"text\"]}},"
	  "\"truncated\":{\"type\":\"boolean\"},\"files_scanned\":{\"type\":\"integer\"}},"
	  "\"required\":[\"path\",\"matches\",\"truncated\",\"files_scanned\"]}",
	  true, false, tool_grep },
	{ "list", "List directory",
	  "Lists a directory (recursive:true walks the whole tree), at most 10000 entries.",
	  "{\"type\":\"object\",\"properties\":{" S_PATH
	  ",\"recursive\":{\"type\":\"boolean\",\"default\":false}}}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"entries\":{\"type\":\"array\","
	  "\"items\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"}," S_ENTRY_FIELDS
	  "},\"required\":[\"path\",\"name\",\"type\",\"size\",\"mode\",\"mtime\"]}},"
	  "\"truncated\":{\"type\":\"boolean\"}},\"required\":[\"path\",\"entries\",\"truncated\"]}",
	  true, false, tool_list },
	{ "mkdir", "Make directory",
	  "Creates a directory (and its missing parents unless parents:false).",
	  "{\"type\":\"object\",\"properties\":{" S_PATH
	  ",\"parents\":{\"type\":\"boolean\",\"default\":true}},"
	  "\"required\":[\"path\"]}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"created\":{\"type\":\"boolean\"}},"
	  "\"required\":[\"path\",\"created\"]}",
	  false, false, tool_mkdir },
	{ "read", "Read file",
	  "Reads a UTF-8 text file, exactly (at most 16 MiB per call; offset and limit in bytes). "
	  "Use read_base64 for binary files.",
	  "{\"type\":\"object\",\"properties\":{" S_PATH
	  ",\"offset\":{\"type\":\"integer\",\"minimum\":0,\"default\":0},"
	  "\"limit\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":16777216}},\"required\":[\"path\"]}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"content\":{\"type\":\"string\"},"
	  "\"size\":{\"type\":\"integer\"},\"offset\":{\"type\":\"integer\"},\"truncated\":{\"type\":\"boolean\"}},"
	  "\"required\":[\"path\",\"content\",\"size\",\"offset\",\"truncated\"]}",
	  true, false, tool_read },
	{ "read_base64", "Read file as base64",
	  "Reads any file as base64 with its guessed MIME type (at most 16 MiB per call).",
	  "{\"type\":\"object\",\"properties\":{" S_PATH
	  ",\"offset\":{\"type\":\"integer\",\"minimum\":0,\"default\":0},"
	  "\"limit\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":16777216}},\"required\":[\"path\"]}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"data\":{\"type\":\"string\"},"
	  "\"mime_type\":{\"type\":\"string\"},\"size\":{\"type\":\"integer\"},\"offset\":{\"type\":\"integer\"},"
	  "\"truncated\":{\"type\":\"boolean\"}},"
	  "\"required\":[\"path\",\"data\",\"mime_type\",\"size\",\"offset\",\"truncated\"]}",
	  true, false, tool_read_base64 },
	{ "rename", "Rename",
	  "Renames or moves a file or directory; fails if the destination exists.",
	  "{\"type\":\"object\",\"properties\":{\"source\":{\"type\":\"string\"},\"destination\":{\"type\":\"string\"}},"
	  "\"required\":[\"source\",\"destination\"]}",
	  "{\"type\":\"object\",\"properties\":{\"source\":{\"type\":\"string\"},\"destination\":{\"type\":\"string\"}},"
	  "\"required\":[\"source\",\"destination\"]}",
	  false, false, tool_rename },
	{ "stat", "File status", "Describes one file (a symlink itself, with its target).",
	  "{\"type\":\"object\",\"properties\":{" S_PATH "},\"required\":[\"path\"]}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}," S_ENTRY_FIELDS ","
	  "\"uid\":{\"type\":\"integer\"},\"gid\":{\"type\":\"integer\"},\"nlink\":{\"type\":\"integer\"},"
	  "\"link_target\":{\"type\":\"string\"}},\"required\":[\"path\",\"type\",\"size\",\"mode\",\"mtime\"]}",
	  true, false, tool_stat },
	{ "write", "Write file",
	  "Writes a file (creating missing parent directories): content as UTF-8 text, or base64 "
	  "with encoding:\"base64\".",
	  "{\"type\":\"object\",\"properties\":{" S_PATH ",\"content\":{\"type\":\"string\"},"
	  "\"encoding\":{\"type\":\"string\",\"enum\":[\"utf8\",\"base64\"],\"default\":\"utf8\"}},"
	  "\"required\":[\"path\",\"content\"]}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"bytes_written\":{\"type\":\"integer\"}},"
	  "\"required\":[\"path\",\"bytes_written\"]}",
	  false, true, tool_write },
};

const struct agent_tool *agent_tools(size_t *count)
{
	*count = sizeof tools / sizeof tools[0];
	return tools;
}

const struct agent_tool *agent_tool_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof tools / sizeof tools[0]; i++) {
		if (!strcmp(tools[i].name, name))
			return &tools[i];
	}
	return NULL;
}

int arg_string(json_t *args, const char *key, bool required, const char **out, size_t *len,
	       berth_err *err)
{
	json_t *v = json_object_get(args, key);

	if (!v || json_is_null(v)) {
		if (required)
			return berth_err_set(err, BERTH_E_INVALID, "%s is required", key);
		return 0;
	}
	if (!json_is_string(v))
		return berth_err_set(err, BERTH_E_INVALID, "%s must be a string", key);
	*out = json_string_value(v);
	if (len)
		*len = json_string_length(v);
	return 0;
}

int arg_path(json_t *args, const char *key, bool required, char **out, berth_err *err)
{
	const char *s = required ? NULL : ".";
	size_t len = required ? 0 : 1;

	if (arg_string(args, key, required, &s, &len, err) < 0)
		return -1;
	*out = agent_path_resolve(s, len, err);
	if (!*out)
		return berth_err_prefix(err, "%s", key);
	return 0;
}

int arg_bool(json_t *args, const char *key, bool *out, berth_err *err)
{
	json_t *v = json_object_get(args, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return berth_err_set(err, BERTH_E_INVALID, "%s must be a boolean", key);
	*out = json_is_true(v);
	return 0;
}

int arg_uint(json_t *args, const char *key, uint64_t max, uint64_t *out, berth_err *err)
{
	json_t *v = json_object_get(args, key);
	json_int_t i;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_real(v) && json_real_value(v) == (double)(json_int_t)json_real_value(v))
		i = (json_int_t)json_real_value(v);
	else if (json_is_integer(v))
		i = json_integer_value(v);
	else
		return berth_err_set(err, BERTH_E_INVALID, "%s must be an integer", key);
	if (i < 0 || (uint64_t)i > max)
		return berth_err_set(err, BERTH_E_INVALID, "%s must be between 0 and %llu", key,
				     (unsigned long long)max);
	*out = (uint64_t)i;
	return 0;
}

const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	case S_IFCHR: return "char";
	case S_IFBLK: return "block";
	}
	return "other";
}

int entry_add_stat(json_t *obj, const struct stat *st)
{
	char when[40];
	struct tm tm;

	gmtime_r(&st->st_mtim.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (json_object_set_new(obj, "type", json_string(file_type_name(st->st_mode))) < 0 ||
	    json_object_set_new(obj, "size", json_integer((json_int_t)st->st_size)) < 0 ||
	    json_object_set_new(obj, "mode", json_integer(st->st_mode & 07777)) < 0 ||
	    json_object_set_new(obj, "mtime", json_string(when)) < 0)
		return -1;
	return 0;
}

int json_set_name(json_t *obj, const char *key, const char *name, size_t len)
{
	bool replaced;
	json_t *s = json_string_lossy(name, len, &replaced);

	if (!s || json_object_set_new(obj, key, s) < 0)
		return -1;
	if (replaced && json_object_set_new(obj, "invalid_utf8", json_true()) < 0)
		return -1;
	return 0;
}
