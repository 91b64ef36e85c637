/* compat.h: the domain side of the older version's /container routes (reference §5), with the
 * authorization the original lacked (§18.3): a container is visible only when Berth created it (it
 * has a containers row) and the caller is an admin or the owner of its bot.
 *
 * Ownership: strings passed in are borrowed; json_t ** outputs are NEW references.
 */
#ifndef BERTH_COMPAT_H
#define BERTH_COMPAT_H

#include <jansson.h>

#include "berth/authz.h"
#include "berth/botctr_op.h"
#include "berth/config.h"
#include "berth/err.h"
#include "berth/store_conn.h"

/* {"containers":[{"id","bot_id","image","snapshotter","status","created_at","updated_at",
 * "labels":{"mcp.bot_id"}}...]} sorted by id: every Berth container for an admin, else those of the
 * caller's own bots. */
int compat_container_list(berth_store *store, const struct authz_caller *caller, json_t **out,
			  berth_err *err);

/* The bot (bot_id, STORE_ID_SIZE bytes) of the Berth container container_id, when the caller may
 * act on it. Unknown ids and containers of bots the caller may not see are both BERTH_E_NOT_FOUND
 * "container not found", so that ids cannot be probed; an empty id is BERTH_E_INVALID. */
int compat_container_bot(berth_store *store, const struct authz_caller *caller,
			 const char *container_id, char *bot_id, berth_err *err);

/* ---- POST /container and /container/skills (compat_ops.c) ---- */

/* The bot a POST /container creates for: container_id (trimmed) must be "mcp-<canonical bot
 * uuid>" (Berth names its containers; INVALID otherwise) of a bot the caller may act on (admin or
 * owner; else NOT_FOUND "bot not found", as for an unknown bot). NULL or "": the caller's own bot
 * when they own exactly one (NOT_FOUND when none, INVALID "container_id is required" when several). */
int compat_create_target(berth_store *store, const struct authz_caller *caller,
			 const char *container_id, char *bot_id, berth_err *err);

/* The image a caller named (NULL or "": none) must be the configured bot image: any other is
 * BERTH_E_PERMISSION / BERTH_EC_IMAGE_NOT_ALLOWED (the original ran any image it was given). */
int compat_image_check(const struct berth_config *cfg, const char *image, berth_err *err);

/* The older POST /container: image and target checked (above) before anything changes, then the
 * bot's container created and started as POST /bots/:bot_id/container does (botctr_create: Berth's
 * mounts, network and agent, not the original's /app mount and no network).
 * *out {"container_id","image","snapshotter","started","ip"}. */
int compat_container_create(const struct botctr_env *env, const struct authz_caller *caller,
			    const char *container_id, const char *image, const char *snapshotter,
			    json_t **out, berth_err *err);

/* The bot of the container the older skills routes act on: container_id (the query's) as
 * compat_container_bot; NULL or "": the caller's own container when they have exactly one
 * (NOT_FOUND "container not found" when none, INVALID "container_id is required" when several). */
int compat_skills_target(berth_store *store, const struct authz_caller *caller,
			 const char *container_id, char *bot_id, berth_err *err);

/* The older skills shapes over botctr_skills_* (berth/skills.h rules): without "metadata" in the
 * listing, and "metadata" of the request's skills ignored. */
int compat_skills_list(const struct botctr_env *env, const char *bot_id, json_t **out,
		       berth_err *err);
int compat_skills_upsert(const struct botctr_env *env, const char *bot_id, const json_t *body,
			 berth_err *err);
int compat_skills_delete(const struct botctr_env *env, const char *bot_id, const json_t *body,
			 berth_err *err);

#endif
