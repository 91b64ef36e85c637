/* compat_ops.c: the older version's POST /container and /container/skills (reference §5) over
 * Berth's own operations, authorized per container as the other compat routes (see
 * include/berth/compat.h). */
#include "berth/compat.h"

#include <stdlib.h>
#include <string.h>

#include "berth/botctr_lifecycle.h"
#include "berth/botctr_skills.h"
#include "berth/store_bots.h"
#include "berth/store_containers.h"
#include "berth/uuid.h"

/* s trimmed of spaces into buf (size bytes); "" when NULL. INVALID when it does not fit. */
static int trimmed(const char *s, char *buf, size_t size, const char *field, berth_err *err)
{
	size_t n = s ? strlen(s) : 0;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= size)
		return berth_err_set(err, BERTH_E_INVALID, "%s is longer than %zu bytes", field,
				     size - 1);
	if (n)
		memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int compat_create_target(berth_store *store, const struct authz_caller *caller,
			 const char *container_id, char *bot_id, berth_err *err)
{
	char id[BOTCTR_ID_MAX];
	struct store_bot *bot = NULL;

	if (trimmed(container_id, id, sizeof id, "container_id", err) < 0)
		return -1;
	if (!id[0]) {
		struct store_bot_list mine;
		size_t count;

		if (store_bot_list(store, caller->user_id, &mine, err) < 0)
			return -1;
		count = mine.count;
		if (count == 1)
			memcpy(bot_id, mine.items[0].id, STORE_ID_SIZE);
		store_bot_list_free(&mine);
		if (count == 0)
			return berth_err_set(
				err, BERTH_E_NOT_FOUND,
				"bot not found: you own no bot to create a container for");
		if (count > 1)
			return berth_err_set(
				err, BERTH_E_INVALID,
				"container_id is required (mcp-<bot id>): you own several bots");
		return 0;
	}
	if (strncmp(id, "mcp-", 4) != 0 || !berth_uuid_is_canonical(id + 4))
		return berth_err_set(
			err, BERTH_E_INVALID,
			"container_id must be mcp-<bot id> (a lowercase canonical UUID): Berth names "
			"containers after their bot");
	if (authz_bot_access(store, caller, id + 4, &AUTHZ_OWNER_OR_ADMIN, &bot, err) < 0) {
		if (err->kind == BERTH_E_PERMISSION || err->kind == BERTH_E_NOT_FOUND)
			return berth_err_set(err, BERTH_E_NOT_FOUND, "bot not found");
		return -1;
	}
	memcpy(bot_id, bot->id, STORE_ID_SIZE);
	free(bot);
	return 0;
}

int compat_image_check(const struct berth_config *cfg, const char *image, berth_err *err)
{
	char given[STORE_IMAGE_SIZE];

	if (trimmed(image, given, sizeof given, "image", err) < 0)
		return -1;
	if (!given[0] || (cfg->bot_image && strcmp(given, cfg->bot_image) == 0))
		return 0;
	return berth_err_setc(
		err, BERTH_E_PERMISSION, BERTH_EC_IMAGE_NOT_ALLOWED,
		"image is not allowed: bot containers run the configured bot image (%s); leave image "
		"empty",
		cfg->bot_image ? cfg->bot_image : "");
}

int compat_container_create(const struct botctr_env *env, const struct authz_caller *caller,
			    const char *container_id, const char *image, const char *snapshotter,
			    json_t **out, berth_err *err)
{
	char bot_id[STORE_ID_SIZE];

	*out = NULL;
	if (compat_image_check(env->cfg, image, err) < 0 ||
	    botctr_snapshotter_check(snapshotter, err) < 0 ||
	    compat_create_target(env->store, caller, container_id, bot_id, err) < 0)
		return -1;
	return botctr_create(env, bot_id, snapshotter, out, err);
}

int compat_skills_target(berth_store *store, const struct authz_caller *caller,
			 const char *container_id, char *bot_id, berth_err *err)
{
	struct store_container_list mine;
	size_t count;

	if (container_id && *container_id)
		return compat_container_bot(store, caller, container_id, bot_id, err);
	if (store_container_list(store, caller->user_id, &mine, err) < 0)
		return -1;
	count = mine.count;
	if (count == 1)
		memcpy(bot_id, mine.items[0].bot_id, STORE_ID_SIZE);
	store_container_list_free(&mine);
	if (count == 0)
		return berth_err_set(err, BERTH_E_NOT_FOUND, "container not found");
	if (count > 1)
		return berth_err_set(
			err, BERTH_E_INVALID,
			"container_id is required (?container_id=mcp-<bot id>): you have several containers");
	return 0;
}

int compat_skills_list(const struct botctr_env *env, const char *bot_id, json_t **out,
		       berth_err *err)
{
	json_t *skill;
	size_t i;

	if (botctr_skills_list(env, bot_id, out, err) < 0)
		return -1;
	json_array_foreach(json_object_get(*out, "skills"), i,
			   skill) if (json_object_get(skill, "metadata"))(void)
		json_object_del(skill, "metadata"); /* present: cannot fail */
	return 0;
}

int compat_skills_upsert(const struct botctr_env *env, const char *bot_id, const json_t *body,
			 berth_err *err)
{
	json_t *copy, *skill;
	size_t i;
	int rc;

	if (!json_is_object(body))
		return botctr_skills_upsert(env, bot_id, body, err);
	copy = json_deep_copy(body);
	if (!copy)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	json_array_foreach(json_object_get(copy, "skills"), i,
			   skill) if (json_object_get(skill, "metadata"))(void)
		json_object_del(skill, "metadata"); /* present: cannot fail */
	rc = botctr_skills_upsert(env, bot_id, copy, err);
	json_decref(copy);
	return rc;
}

int compat_skills_delete(const struct botctr_env *env, const char *bot_id, const json_t *body,
			 berth_err *err)
{
	return botctr_skills_delete(env, bot_id, body, err);
}
