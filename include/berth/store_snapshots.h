/* store_snapshots.h: the snapshots rows of a bot (app/store/snapshots.c).
 * Errors, ownership, ids and times: berth/store_conn.h.
 */
#ifndef BERTH_STORE_SNAPSHOTS_H
#define BERTH_STORE_SNAPSHOTS_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/err.h"
#include "berth/store_conn.h"

struct store_snapshot {
	char id[STORE_ID_SIZE];
	char bot_id[STORE_ID_SIZE];
	char name[STORE_NAME_SIZE];	      /* Berth's name, unique per bot */
	char display_name[STORE_NAME_SIZE];   /* "" if none */
	char container_id[STORE_CTR_ID_SIZE]; /* container it was taken from ("" if unknown) */
	char parent[STORE_NAME_SIZE]; /* name of the parent snapshot of the same bot, or "" */
	char snapshotter[STORE_NAME_SIZE];
	char runtime_snapshot_name[STORE_CTR_ID_SIZE]; /* containerd's committed snapshot name */
	char source[STORE_STATE_SIZE];		       /* manual | rollback | system */
	char created_at[STORE_TIME_SIZE];
};

struct store_snapshot_list {
	struct store_snapshot *items; /* owned by the list */
	size_t count;
};
void store_snapshot_list_free(struct store_snapshot_list *list);

struct store_snapshot_new {
	const char *bot_id;	  /* required */
	const char *name;	  /* required, unique per bot */
	const char *display_name; /* NULL: none */
	const char *container_id; /* NULL: none */
	const char *parent;	  /* NULL: none; else the name of a snapshot of the same bot */
	const char *snapshotter;  /* required */
	const char *runtime_snapshot_name; /* required, unique per snapshotter */
	const char *source;		   /* NULL: "manual" */
};

/* ALREADY_EXISTS for a duplicate (bot, name) or (snapshotter, runtime name); NOT_FOUND if the bot
 * or the named parent does not exist. out may be NULL. */
int store_snapshot_insert(berth_store *store, const struct store_snapshot_new *in,
			  struct store_snapshot *out, berth_err *err);
/* This bot's snapshots, ordered by created_at, then name. */
int store_snapshot_list(berth_store *store, const char *bot_id, struct store_snapshot_list *out,
			berth_err *err);
/* NOT_FOUND if this bot has no snapshot of that name (whatever other bots have). */
int store_snapshot_get(berth_store *store, const char *bot_id, const char *name,
		       struct store_snapshot *out, berth_err *err);
/* By containerd's name (snapshotter, runtime_snapshot_name): who owns a committed snapshot. */
int store_snapshot_get_by_runtime_name(berth_store *store, const char *snapshotter,
				       const char *runtime_name, struct store_snapshot *out,
				       berth_err *err);
/* Deletes one snapshot row (children keep existing, their parent becomes ""). Deleting nothing is
 * not an error; *deleted (may be NULL) tells. */
int store_snapshot_delete(berth_store *store, const char *bot_id, const char *name, bool *deleted,
			  berth_err *err);

#endif
