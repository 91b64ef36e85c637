/* botctr_skills.h: the skills of a bot, under its lock (app/domain/botctr_skills.c).
 * Locking, ownership and failures: berth/botctr_op.h.
 */
#ifndef BERTH_BOTCTR_SKILLS_H
#define BERTH_BOTCTR_SKILLS_H

#include <jansson.h>

#include "berth/botctr_op.h"
#include "berth/err.h"

/* The skills routes of a bot (berth/skills.h: bodies, results and errors). The list reads the
 * existing data dir and creates nothing (no data dir: no skills); upsert and delete prepare the
 * bot's directories and hold the bot's lock (the one every container operation takes), so that
 * concurrent upserts never pass the count limit together. env->ctd is not used (may be NULL).
 * body is BORROWED, *out NEW. */
int botctr_skills_list(const struct botctr_env *env, const char *bot_id, json_t **out,
		       berth_err *err);
int botctr_skills_upsert(const struct botctr_env *env, const char *bot_id, const json_t *body,
			 berth_err *err);
int botctr_skills_delete(const struct botctr_env *env, const char *bot_id, const json_t *body,
			 berth_err *err);

#endif
