/* botctr_skills.c: a bot's skills (berth/skills.h) with the bot's directories and lock around them. */
#include "botctr_internal.h"

#include <unistd.h>

#include "berth/botctr_op.h"
#include "berth/botctr_skills.h"
#include "berth/botdir.h"
#include "berth/skills.h"

static void limits_of(const struct botctr_env *env, struct skills_limits *lim)
{
	lim->max_count = env->cfg->skills_max_count;
	lim->max_bytes = env->cfg->skill_max_bytes;
}

int botctr_skills_list(const struct botctr_env *env, const char *bot_id, json_t **out,
		       berth_err *err)
{
	struct skills_limits lim;
	int data_fd, rc;

	*out = NULL;
	limits_of(env, &lim);
	/* A read changes nothing on the host: a bot without a data dir has no skills. */
	if (botdir_open_data(env->cfg->data_root, bot_id, &data_fd, err) < 0) {
		if (err->kind != BERTH_E_NOT_FOUND)
			return -1;
		*out = json_pack("{s:[]}", "skills");
		return *out ? 0 : berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	}
	rc = skills_list(data_fd, &lim, out, err);
	close(data_fd);
	return rc;
}

/* Upsert and delete hold the bot's lock, so that two of them (or a container operation) never
 * interleave: the count limit of an upsert holds against every other writer. */
static int skills_write(const struct botctr_env *env, const char *bot_id, const json_t *body,
			bool upsert, berth_err *err)
{
	struct botctr_op op;
	struct botdir dir = { NULL, NULL, -1, -1, NULL };
	struct skills_limits lim;
	int rc = -1;

	limits_of(env, &lim);
	if (botctr_op_begin(&op, env, bot_id, err) < 0)
		return -1;
	if (botdir_prepare(env->cfg->data_root, env->cfg->state_root, bot_id, &dir, err) < 0)
		goto done;
	rc = upsert ? skills_upsert(dir.data_fd, body, &lim, err)
		    : skills_delete(dir.data_fd, body, err);
done:
	botdir_release(&dir);
	botctr_op_end(&op);
	return rc;
}

int botctr_skills_upsert(const struct botctr_env *env, const char *bot_id, const json_t *body,
			 berth_err *err)
{
	return skills_write(env, bot_id, body, true, err);
}

int botctr_skills_delete(const struct botctr_env *env, const char *bot_id, const json_t *body,
			 berth_err *err)
{
	return skills_write(env, bot_id, body, false, err);
}
