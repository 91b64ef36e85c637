/* botdir.c: a bot's data and state directories (see include/berth/botdir.h). */
#define _GNU_SOURCE /* asprintf, memrchr */
#include "berth/botdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/log.h"
#include "berth/safefs.h"
#include "berth/uuid.h"

/* Creates <root>/bots/<uuid> beneath the root without following links; returns its fd. */
static int prepare_one(const char *root, const char *uuid, mode_t mode, int *fd_out,
		       char **path_out, berth_err *err)
{
	char rel[64];
	int root_fd = -1, fd = -1;

	*fd_out = -1;
	*path_out = NULL;
	if (!root || root[0] != '/')
		return berth_err_set(err, BERTH_E_INVALID, "root \"%s\" is not an absolute path",
				     root ? root : "");
	if (safefs_mkdir_p(root, 0755, err) != 0)
		return -1;
	if (safefs_open_root(root, &root_fd, err) != 0)
		return -1;
	if (safefs_mkdirs(root_fd, "bots", mode, NULL, err) != 0)
		goto fail;
	snprintf(rel, sizeof rel, "bots/%s", uuid);
	if (safefs_mkdirs(root_fd, rel, mode, &fd, err) != 0)
		goto fail;
	if (asprintf(path_out, "%s/%s", root, rel) < 0) {
		*path_out = NULL;
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	close(root_fd);
	*fd_out = fd;
	return 0;
fail:
	berth_err_prefix(err, "%s", root);
	if (fd >= 0)
		close(fd);
	close(root_fd);
	return -1;
}

int botdir_prepare(const char *data_root, const char *state_root, const char *uuid,
		   struct botdir *out, berth_err *err)
{
	berth_err skills_err;

	out->data_path = out->state_path = out->agent_path = NULL;
	out->data_fd = out->state_fd = -1;
	if (!uuid || !berth_uuid_is_canonical(uuid))
		return berth_err_set(err, BERTH_E_INVALID, "bot id is not a canonical UUID");
	if (prepare_one(data_root, uuid, 0755, &out->data_fd, &out->data_path, err) != 0)
		goto fail;
	/* .skills is the bot's to break: a link or a file planted there breaks its skills routes (they
	 * refuse it), never the container's build, start or rollback. */
	if (safefs_mkdirs(out->data_fd, ".skills", 0755, NULL, &skills_err) != 0) {
		if (skills_err.kind != BERTH_E_PRECONDITION) {
			*err = skills_err;
			berth_err_prefix(err, "%s", out->data_path);
			goto fail;
		}
		blog(BLOG_WARN, "bot %s: .skills left as the bot made it: %s", uuid,
		     skills_err.msg);
	}
	if (prepare_one(state_root, uuid, 0700, &out->state_fd, &out->state_path, err) != 0)
		goto fail;
	/* host-only: whatever created it, nobody but root may look inside */
	if (fchmod(out->state_fd, 0700) != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "chmod %s: %s", out->state_path,
			      strerror(errno));
		goto fail;
	}
	if (safefs_mkdirs(out->state_fd, "agent", 0700, NULL, err) != 0) {
		berth_err_prefix(err, "%s", out->state_path);
		goto fail;
	}
	if (asprintf(&out->agent_path, "%s/agent", out->state_path) < 0) {
		out->agent_path = NULL;
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	return 0;
fail:
	botdir_release(out);
	return -1;
}

int botdir_open_data(const char *data_root, const char *uuid, int *fd_out, berth_err *err)
{
	char rel[64];
	int root_fd, rc;

	*fd_out = -1;
	if (!uuid || !berth_uuid_is_canonical(uuid))
		return berth_err_set(err, BERTH_E_INVALID, "bot id is not a canonical UUID");
	if (safefs_open_root(data_root, &root_fd, err) != 0)
		return -1;
	snprintf(rel, sizeof rel, "bots/%s", uuid);
	rc = safefs_open_dir(root_fd, rel, fd_out, err);
	close(root_fd);
	return rc;
}

int botdir_agent_reset(const char *state_root, const char *uuid, berth_err *err)
{
	char *state_path = NULL;
	int state_fd = -1, agent_fd = -1, rc = -1;

	if (!uuid || !berth_uuid_is_canonical(uuid))
		return berth_err_set(err, BERTH_E_INVALID, "bot id is not a canonical UUID");
	if (prepare_one(state_root, uuid, 0700, &state_fd, &state_path, err) != 0)
		return -1;
	if (safefs_mkdirs(state_fd, "agent", 0700, &agent_fd, err) != 0 ||
	    safefs_remove_tree(agent_fd, BOTDIR_AGENT_SOCKET, err) != 0) {
		berth_err_prefix(err, "%s/agent", state_path);
		goto fail;
	}
	rc = 0;
fail:
	if (agent_fd >= 0)
		close(agent_fd);
	close(state_fd);
	free(state_path);
	return rc;
}

void botdir_release(struct botdir *dir)
{
	if (!dir)
		return;
	if (dir->data_fd >= 0)
		close(dir->data_fd);
	if (dir->state_fd >= 0)
		close(dir->state_fd);
	free(dir->data_path);
	free(dir->state_path);
	free(dir->agent_path);
	dir->data_path = dir->state_path = dir->agent_path = NULL;
	dir->data_fd = dir->state_fd = -1;
}
