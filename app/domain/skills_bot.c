/* skills_bot.c: a bot's skills on its data dir (skills_bot_* in include/berth/skills.h). */
#include "berth/skills.h"

#include "berth/botdir.h"

enum skills_op { SKILLS_LIST, SKILLS_UPSERT, SKILLS_DELETE };

static int skills_bot(const struct berth_config *cfg, const char *bot_id, enum skills_op op,
		      const json_t *body, json_t **out, berth_err *err)
{
	const struct skills_limits limits = { cfg->skills_max_count, cfg->skill_max_bytes };
	struct botdir dir = { NULL, NULL, -1, -1 };
	int rc;

	if (botdir_prepare(cfg->data_root, cfg->state_root, bot_id, &dir, err) < 0)
		return -1;
	switch (op) {
	case SKILLS_LIST:
		rc = skills_list(dir.data_fd, &limits, out, err);
		break;
	case SKILLS_UPSERT:
		rc = skills_upsert(dir.data_fd, body, &limits, err);
		break;
	default:
		rc = skills_delete(dir.data_fd, body, err);
		break;
	}
	botdir_release(&dir);
	return rc;
}

int skills_bot_list(const struct berth_config *cfg, const char *bot_id, json_t **out,
		    berth_err *err)
{
	return skills_bot(cfg, bot_id, SKILLS_LIST, NULL, out, err);
}

int skills_bot_upsert(const struct berth_config *cfg, const char *bot_id, const json_t *body,
		      berth_err *err)
{
	return skills_bot(cfg, bot_id, SKILLS_UPSERT, body, NULL, err);
}

int skills_bot_delete(const struct berth_config *cfg, const char *bot_id, const json_t *body,
		      berth_err *err)
{
	return skills_bot(cfg, bot_id, SKILLS_DELETE, body, NULL, err);
}
