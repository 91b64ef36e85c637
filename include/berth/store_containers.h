/* store_containers.h: the containers rows, exactly one per bot (app/store/containers.c).
 * Errors, ownership, ids and times: berth/store_conn.h.
 */
#ifndef BERTH_STORE_CONTAINERS_H
#define BERTH_STORE_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/err.h"
#include "berth/store_conn.h"

struct store_container {
	char id[STORE_ID_SIZE]; /* row id */
	char bot_id[STORE_ID_SIZE];
	char container_id[STORE_CTR_ID_SIZE]; /* containerd id, "mcp-<bot uuid>" */
	char container_name[STORE_CTR_ID_SIZE];
	char image[STORE_IMAGE_SIZE];
	char snapshotter[STORE_NAME_SIZE]; /* "" = containerd's default */
	char namespace_[STORE_NAME_SIZE];  /* containerd namespace */
	char node[STORE_NAME_SIZE];
	char status[STORE_STATE_SIZE];	      /* observed: created | running | stopped | error */
	char desired_state[STORE_STATE_SIZE]; /* running | stopped */
	bool auto_start;
	char host_path[STORE_PATH_SIZE];      /* bot data dir on the host ("" if unknown) */
	char container_path[STORE_PATH_SIZE]; /* where it is mounted ("/data") */
	char ip_address[STORE_IP_SIZE];	      /* "" when the network is not set up */
	char last_error[STORE_ERROR_SIZE];    /* "" when none */
	int restart_count;
	char created_at[STORE_TIME_SIZE];
	char updated_at[STORE_TIME_SIZE];
	char last_started_at[STORE_TIME_SIZE]; /* "" if never */
	char last_stopped_at[STORE_TIME_SIZE]; /* "" if never */
};

struct store_container_list {
	struct store_container *items; /* owned by the list */
	size_t count;
};
void store_container_list_free(struct store_container_list *list);

struct store_container_new {
	const char *bot_id;	    /* required */
	const char *container_id;   /* required; also the container_name */
	const char *image;	    /* required */
	const char *snapshotter;    /* NULL: "" */
	const char *namespace_;	    /* required */
	const char *node;	    /* required; created in `nodes` when missing */
	const char *host_path;	    /* NULL: none */
	const char *container_path; /* required */
};

/* Inserts the bot's row (status 'created', desired 'running') or, when it exists, updates the
 * columns above and keeps status, ip, timestamps and last_error (the caller then records what it
 * observed). NOT_FOUND if the bot does not exist. out may be NULL. */
int store_container_upsert(berth_store *store, const struct store_container_new *in,
			   struct store_container *out, berth_err *err);
int store_container_get(berth_store *store, const char *bot_id, struct store_container *out,
			berth_err *err);
/* By containerd container id (the compatibility routes). NOT_FOUND if no row. */
int store_container_get_by_container_id(berth_store *store, const char *container_id,
					struct store_container *out, berth_err *err);
/* owner_user_id NULL: every row; else the rows of the bots that user owns. Ordered by created_at, id. */
int store_container_list(berth_store *store, const char *owner_user_id,
			 struct store_container_list *out, berth_err *err);
/* The rows of one node (the reconciler's view). */
int store_container_list_by_node(berth_store *store, const char *node,
				 struct store_container_list *out, berth_err *err);

/* Observed-status transitions; each sets updated_at and fails NOT_FOUND when the bot has no row.
 * running: ip_address (NULL or "": none), last_started_at = now(), last_error cleared, the
 *          observed task state (task_status, berth/store_observed.h) 'running'.
 * stopped: ip_address cleared (the network was released), last_stopped_at = now(), last_error
 *          cleared (the operation that got there succeeded), task_status 'absent' (the task
 *          was deleted).
 * error:   last_error = message (cut to STORE_ERROR_SIZE - 1 bytes at a character boundary),
 *          task_status unknown (reads ask containerd). */
int store_container_mark_running(berth_store *store, const char *bot_id, const char *ip_address,
				 berth_err *err);
int store_container_mark_stopped(berth_store *store, const char *bot_id, berth_err *err);
int store_container_mark_error(berth_store *store, const char *bot_id, const char *message,
			       berth_err *err);
/* Sets ip_address only (network re-applied, or released: NULL). */
int store_container_set_ip(berth_store *store, const char *bot_id, const char *ip_address,
			   berth_err *err);
/* desired: "running" or "stopped". */
int store_container_set_desired(berth_store *store, const char *bot_id, const char *desired,
				berth_err *err);
/* restart_count += 1 (the reconciler restarted a dead task). */
int store_container_count_restart(berth_store *store, const char *bot_id, berth_err *err);
/* Deletes the bot's row; *deleted (may be NULL) tells whether there was one. Deleting nothing is
 * not an error. Snapshots and lifecycle events of the bot are kept (they belong to the bot). */
int store_container_delete(berth_store *store, const char *bot_id, bool *deleted, berth_err *err);

#endif
