/* it_container_common.h: what the issue #4 integration tests (it_container_*.c) share: requests on a
 * bot's container routes through nginx, and observations of containerd (ctr), the CNI IPAM leases
 * and the stack's directories, made independently of Berth's code.
 *
 * Failure policy as bt.h: helpers that establish a fixture or an observation abort the current
 * Check test on failure (ck_abort_msg); it_api returns the status and leaves the verdict to the test.
 * Ownership: char * results are NEW (free()), json_t * results are NEW references.
 */
#ifndef BERTH_IT_CONTAINER_COMMON_H
#define BERTH_IT_CONTAINER_COMMON_H

#include <check.h>
#include <stdbool.h>

#include "bt.h"

/* A test's owner: a fresh non-admin user with one fresh bot of the given type. */
typedef struct it_owned_bot {
	bt_user owner;
	char *bot_id;
	char ctr_id[64]; /* "mcp-<bot_id>" */
} it_owned_bot;

it_owned_bot it_owned_bot_new(const char *type, int allow_guest);
/* Deletes the bot's container and its snapshots (purge_snapshots=true) through the API (as admin;
 * 204 expected) and frees. */
void it_owned_bot_done(it_owned_bot *b);

/* method /bots/<bot>/container<suffix> with body (JSON, or NULL) as id. Fills *resp. */
long it_api(const char *method, const char *bot_id, const char *suffix, const char *body,
	    bt_identity id, bt_response *resp);

/* it_api that asserts the status; returns the parsed body (NULL for an empty body). */
json_t *it_api_expect(const char *method, const char *bot_id, const char *suffix, const char *body,
		      bt_identity id, long want);

/* Asserts an error status with Berth's error body; returns nothing. */
void it_api_expect_error(const char *method, const char *bot_id, const char *suffix,
			 const char *body, bt_identity id, long want);

/* One request of it_run_concurrently: method /bots/<bot>/container<suffix> with body ("" = none). */
#define IT_MAX_CHILDREN 32
struct it_op {
	const char *method, *suffix;
	char body[8192];
};

/* Runs ops[i] in forked child i (the test process holds no gRPC state), all released at the same
 * moment through a pipe; statuses[i] gets each HTTP status (0 when the child failed before
 * answering). At most IT_MAX_CHILDREN. */
void it_run_concurrently(const char *bot_id, bt_identity id, const struct it_op *ops, int n,
			 long *statuses);

/* POST /bots/<bot>/container as id, asserts 200 and started == true; returns the body. */
json_t *it_create(const char *bot_id, bt_identity id);

/* ---- observations through ctr (the stack's socket and namespace) ---- */

/* The task status of the container as `ctr task ls` prints it ("RUNNING", "STOPPED", ...), or NEW
 * "" when it has no task. */
char *it_ctr_task_status(const char *ctr_id);
/* The pid of the container's task as `ctr task ls` prints it, 0 when none. */
int it_ctr_task_pid(const char *ctr_id);
/* Whether `ctr container ls -q` lists the container. */
bool it_ctr_container_exists(const char *ctr_id);
/* `ctr container info` parsed. NEW. */
json_t *it_ctr_info(const char *ctr_id);
/* Runs /bin/sh -c script in the running container (ctr task exec); returns the exit status,
 * *out (may be NULL) gets NEW stdout. */
int it_exec(const char *ctr_id, const char *script, char **out);
/* it_exec that asserts exit status 0 and returns NEW stdout (trailing newlines removed). */
char *it_exec_ok(const char *ctr_id, const char *script);

/* ---- host side ---- */

/* The host-local IPAM directory of the stack's network: <dataDir>/<network name>, from the first
 * conflist of BERTH_CNI_CONF_DIR. NEW. */
char *it_ipam_dir(void);
/* How many IPAM lease files name this container id (host-local writes "<id>\n<ifname>"). */
int it_ipam_leases(const char *ctr_id);

/* <BERTH_DATA_ROOT>/bots/<bot> and <BERTH_STATE_ROOT>/bots/<bot>. NEW. */
char *it_data_dir(const char *bot_id);
char *it_state_dir(const char *bot_id);

/* Writes text to path (creating or truncating). Aborts on failure. */
void it_write_file(const char *path, const char *text);
/* The whole file, NEW, or NULL when it cannot be read. */
char *it_read_file(const char *path);

/* Runs the suite (Check forks each test) and returns the process exit status. A failed test
 * aborts before its cleanup, so a fixture after the last tcase (not a test) deletes through the API
 * every bot container created while the suite ran (rows newer than its start; the programs run one
 * after another), so that the stack still stops cleanly. */
int it_run_suite(Suite *suite);

/* printf into a NEW string. */
char *it_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A JSON string member or "" (BORROWED from obj). */
const char *it_str(const json_t *obj, const char *key);

#endif
