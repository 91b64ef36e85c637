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

#endif
