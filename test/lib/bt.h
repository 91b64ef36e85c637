/* bt.h: the shared helper library of Berth's integration tests (test/lib/libberth_test.a).
 *
 * Integration tests run against the real stack that test/run-integration (scripts/stack.sh) starts;
 * the stack is described by the environment variables of the test contract (BERTH_URL, BERTH_CA,
 * BERTH_ADMIN_CERT, ...). Everything here talks to that stack the way a client or an operator would:
 * HTTPS through nginx with a client certificate (libcurl), berthctl, ctr, psql, stack.sh.
 *
 * Failure policy: helpers that set up a precondition (bt_env, bt_user_new, bt_bot_new, ...) abort
 * the current Check test with a clear message when they fail (ck_abort_msg), so a test body needs no
 * error handling for its fixtures. bt_request and bt_run report what happened and leave the verdict
 * to the test.
 *
 * Ownership: structs returned by value own their heap members; free them with the matching
 * *_free function. Strings returned as char * are NEW (caller frees with free()). const char *
 * results are BORROWED (environment or static storage). Every blocking operation is bounded:
 * HTTP connect 5 s / total 120 s (BT_HTTP_TIMEOUT_S), programs 300 s unless told otherwise.
 */
#ifndef BERTH_TEST_BT_H
#define BERTH_TEST_BT_H

#include <stddef.h>
#include <jansson.h>

#define BT_HTTP_CONNECT_TIMEOUT_S 5
#define BT_HTTP_TIMEOUT_S 120
#define BT_RUN_TIMEOUT_S 300

/* ---- verdicts ---- */

/* Check has no "skipped" verdict, so a test that cannot run here says so on its own line,
 * "SKIP: <test>: <reason>", and returns: the runners (test/tally, used by scripts/berth-dev and
 * test/run-integration) count each such line as skipped and take it out of Check's passed count.
 * Use it in a test body (START_TEST) before anything that could fail. A whole program that cannot
 * run exits with BT_EXIT_SKIP (automake's SKIP). */
#define BT_EXIT_SKIP 77
#define bt_skip(...)                                                                               \
	do {                                                                                       \
		bt_skip_note(__func__, __VA_ARGS__);                                               \
		return;                                                                            \
	} while (0)
/* Prints the SKIP line (test_fn: the test's function name, "<test>_fn" as START_TEST names it). */
void bt_skip_note(const char *test_fn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- environment ---- */

/* The value of a contract variable (BERTH_URL, ...). Aborts the test if unset or empty. Borrowed. */
const char *bt_env(const char *name);

/* A name unique in this stack's lifetime: "<prefix>-<pid>-<counter>-<random>" (lowercase, [a-z0-9-]).
 * NEW. */
char *bt_unique(const char *prefix);

/* ---- HTTP through nginx ---- */

/* A client certificate: PEM file paths. {NULL, NULL} presents no certificate. Borrowed paths. */
typedef struct bt_identity {
	const char *cert;
	const char *key;
} bt_identity;

/* No client certificate (nginx refuses the request with 400). */
#define BT_NO_IDENTITY ((bt_identity){ NULL, NULL })

/* The admin user created when the stack started (BERTH_ADMIN_CERT / BERTH_ADMIN_KEY). */
bt_identity bt_admin(void);

typedef struct bt_response {
	long status; /* HTTP status; 0 when no response arrived (see error) */
	char *body;  /* NUL-terminated response body ("" if none); owned */
	size_t body_len;
	char *headers;	 /* raw header block of the final response ("Name: value\r\n..."); owned */
	char error[256]; /* libcurl's message when status == 0, else "" */
	double total_s;	 /* time the request took */
} bt_response;

/* One request to BERTH_URL + path (path starts with '/').
 * body: NULL for none (a body with content_type NULL is sent without a Content-Type header).
 * extra_headers: NULL or a NULL-terminated array of "Name: value" lines (to forge headers).
 * Fills *resp (always, even on failure; free it with bt_response_free) and returns resp->status. */
long bt_request_ex(const char *method, const char *path, const char *body, size_t body_len,
		   const char *content_type, const char *const *extra_headers, bt_identity id,
		   bt_response *resp);

/* Same, with a NUL-terminated body (or NULL) and no extra headers. */
long bt_request(const char *method, const char *path, const char *body, const char *content_type,
		bt_identity id, bt_response *resp);

void bt_response_free(bt_response *resp);

/* Value of response header `name` (case-insensitive; the last one if repeated), trimmed. NEW, or
 * NULL if absent. */
char *bt_header(const bt_response *resp, const char *name);

/* The body parsed as JSON. NEW reference; aborts the test if the body is not JSON. */
json_t *bt_json(const bt_response *resp);

/* Parses any string as JSON. NEW reference; aborts the test on a syntax error. */
json_t *bt_json_parse(const char *text);

/* Asserts an error body of the Berth shape {"message": non-empty string, "code": non-empty string}
 * and returns the code (BORROWED from *resp's parsed copy: valid until the next call). */
const char *bt_expect_error(const bt_response *resp);

/* ---- programs ---- */

/* Runs argv (argv[0] looked up in PATH) with stdin from /dev/null, capturing stdout and stderr.
 * Kills it with SIGKILL after timeout_s seconds (0 = BT_RUN_TIMEOUT_S). out/err may be NULL
 * (output discarded); otherwise they receive NEW NUL-terminated strings. Returns the exit status
 * (0..255), 128+signal if it was killed by a signal, or -1 if it could not be started (then
 * *err holds why). */
int bt_run(char *const argv[], char **out, char **err, int timeout_s);

/* scripts/stack.sh VERB BERTH_STACK [ARGS...]: e.g. bt_stack("restart", "postgres"),
 * bt_stack("kill", "containerd"), bt_stack("status", NULL). Returns the exit status; stack.sh's
 * stderr goes to the test's stderr. arg may be NULL. */
int bt_stack(const char *verb, const char *arg);

/* The pid of a stack service (postgres | containerd | fcgi | nginx), from stack.sh pid. Aborts the
 * test if it is not running. */
int bt_stack_pid(const char *service);

/* Pids of the live child processes of pid (e.g. berth-fcgi's workers), at most max, into pids.
 * Returns how many were found. */
int bt_children(int pid, int *pids, int max);

/* Milliseconds on the monotonic clock, and a sleep, for bounded polling loops. */
long long bt_now_ms(void);
void bt_sleep_ms(int ms);

/* berthctl -c BERTH_CONFIG ARGS..., ctr (against the stack's socket and namespace) ARGS...,
 * psql (against the stack's database, -X -A -t -q -v ON_ERROR_STOP=1) ARGS...
 * The argument list ends with NULL. *out (may be NULL) receives NEW stdout with trailing newlines
 * removed; stderr is appended to the test's stderr. Returns the exit status as bt_run. */
int bt_berthctl(char **out, ...) __attribute__((sentinel));
int bt_ctr(char **out, ...) __attribute__((sentinel));
int bt_psql(char **out, ...) __attribute__((sentinel));

/* psql -c SQL; returns NEW stdout (trimmed); aborts the test on failure. Only for test fixtures and
 * observations with fixed SQL text. */
char *bt_sql(const char *sql);

/* ---- users, bots, members (through berthctl) ---- */

typedef struct bt_user {
	char *name;	   /* username, unique per call */
	char *id;	   /* users.id (canonical UUID) */
	char *subject_dn;  /* the certificate's subject DN as nginx passes it (RFC 2253) */
	char *cert_path;   /* BERTH_STACK/pki/<name>.crt */
	char *key_path;	   /* BERTH_STACK/pki/<name>.key */
	bt_identity ident; /* borrows cert_path/key_path */
} bt_user;

/* Creates a user (admin or not) whose name starts with prefix, issues a client certificate with a
 * unique subject DN, and binds it (berthctl identity add NAME x509 DN). Aborts the test on failure.
 * Free with bt_user_free. */
bt_user bt_user_new(const char *prefix, int admin);

/* Issues a client certificate signed by the stack CA with subject (OpenSSL form "/O=x/CN=y"),
 * bound to no user: the returned bt_user has id NULL, name = the file stem (prefix made unique),
 * subject_dn = the DN as nginx passes it (RFC 2253: "CN=y,O=x"). For the "valid certificate,
 * unknown identity" case and for long DNs. Aborts the test on failure. */
bt_user bt_cert_new(const char *prefix, const char *subject);

/* Binds an additional identity (subject DN as nginx passes it) to user name. Aborts on failure. */
void bt_identity_add(const char *username, const char *subject_dn);

void bt_user_free(bt_user *user);

/* Creates a bot owned by owner (username); type "personal" or "public"; allow_guest 0/1.
 * Returns its id (NEW canonical UUID string). Aborts the test on failure. */
char *bt_bot_new(const char *owner_username, const char *type, int allow_guest);

/* Adds username to bot_id with role "owner" | "admin" | "member". Aborts on failure. */
void bt_member_add(const char *bot_id, const char *username, const char *role);

#endif
