/* bt.c: the shared helper library of the integration tests (interface and ownership: bt.h). */
#define _GNU_SOURCE /* vasprintf, pipe2, strcasestr */
#include "bt.h"
#include "bt_openapi.h"

#include <check.h>
#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BT_MAX_ARGS 64

/* ---- small utilities ---- */

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	ck_assert_msg(q != NULL, "out of memory");
	return q;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	ck_assert_msg(d != NULL, "out of memory");
	return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0, "out of memory");
	return s;
}

static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

void bt_skip_note(const char *test_fn, const char *fmt, ...)
{
	size_t n = strlen(test_fn);
	va_list ap;

	if (n > 3 && strcmp(test_fn + n - 3, "_fn") == 0)
		n -= 3;
	/* One line, flushed now: a forked test's buffered output would be lost or doubled. */
	printf("SKIP: %.*s: ", (int)n, test_fn);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

long long bt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void bt_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- environment ---- */

const char *bt_env(const char *name)
{
	const char *v = getenv(name);
	ck_assert_msg(v != NULL && v[0] != '\0',
		      "environment variable %s is not set: run integration tests through "
		      "test/run-integration (or export the lines of `scripts/stack.sh env DIR`)",
		      name);
	return v;
}

char *bt_unique(const char *prefix)
{
	static unsigned counter;
	unsigned rnd = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &rnd, sizeof rnd) != (ssize_t)sizeof rnd)
			rnd = (unsigned)bt_now_ms();
		close(fd);
	}
	return xasprintf("%s-%ld-%u-%04x", prefix, (long)getpid(), ++counter, rnd & 0xffff);
}

/* ---- HTTP ---- */

bt_identity bt_admin(void)
{
	return (bt_identity){ bt_env("BERTH_ADMIN_CERT"), bt_env("BERTH_ADMIN_KEY") };
}

struct buf {
	char *data;
	size_t len;
	size_t cap; /* grown by doubling: a large body must not cost one copy per chunk */
};

static void buf_append(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	buf_append(ud, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	/* A new status line starts the headers of the next (final) response: keep only those. */
	if (size * n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		b->len = 0;
	buf_append(b, p, size * n);
	return size * n;
}

static void curl_global(void)
{
	static int done;
	if (!done) {
		ck_assert_msg(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK,
			      "curl_global_init failed");
		done = 1;
	}
}

/* A libcurl call that must succeed: a failure would change what the test is testing. */
#define BT_CURL_OK(call)                                                                           \
	do {                                                                                       \
		CURLcode rc_ = (call);                                                             \
		ck_assert_msg(rc_ == CURLE_OK, "%s: %s", #call, curl_easy_strerror(rc_));          \
	} while (0)
#define BT_CURL_SET(c, option, value) BT_CURL_OK(curl_easy_setopt((c), option, (value)))

static struct curl_slist *header_add(struct curl_slist *list, const char *line)
{
	struct curl_slist *grown = curl_slist_append(list, line);

	ck_assert_msg(grown != NULL, "curl_slist_append: out of memory");
	return grown;
}

long bt_request_ex(const char *method, const char *path, const char *body, size_t body_len,
		   const char *content_type, const char *const *extra_headers, bt_identity id,
		   bt_response *resp)
{
	struct buf b = { NULL, 0, 0 }, h = { NULL, 0, 0 };
	struct curl_slist *hdrs = NULL;
	char *url = xasprintf("%s%s", bt_env("BERTH_URL"), path);
	char *ct = NULL;

	memset(resp, 0, sizeof *resp);
	curl_global();
	CURL *c = curl_easy_init();
	ck_assert_msg(c != NULL, "curl_easy_init failed");
	BT_CURL_SET(c, CURLOPT_URL, url);
	BT_CURL_SET(c, CURLOPT_CAINFO, bt_env("BERTH_CA"));
	BT_CURL_SET(c, CURLOPT_NOSIGNAL, 1L);
	BT_CURL_SET(c, CURLOPT_CONNECTTIMEOUT, (long)BT_HTTP_CONNECT_TIMEOUT_S);
	BT_CURL_SET(c, CURLOPT_TIMEOUT, (long)BT_HTTP_TIMEOUT_S);
	BT_CURL_SET(c, CURLOPT_ERRORBUFFER, resp->error);
	BT_CURL_SET(c, CURLOPT_WRITEFUNCTION, on_body);
	BT_CURL_SET(c, CURLOPT_WRITEDATA, &b);
	BT_CURL_SET(c, CURLOPT_HEADERFUNCTION, on_header);
	BT_CURL_SET(c, CURLOPT_HEADERDATA, &h);
	if (id.cert != NULL) {
		BT_CURL_SET(c, CURLOPT_SSLCERT, id.cert);
		BT_CURL_SET(c, CURLOPT_SSLKEY, id.key);
	}
	if (body != NULL) {
		BT_CURL_SET(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		BT_CURL_SET(c, CURLOPT_POSTFIELDS, body);
		/* No curl default Content-Type (form-urlencoded) and no 100-continue round trip. */
		ct = content_type ? xasprintf("Content-Type: %s", content_type)
				  : xstrdup("Content-Type:");
		hdrs = header_add(hdrs, ct);
		hdrs = header_add(hdrs, "Expect:");
	} else if (content_type != NULL) {
		ct = xasprintf("Content-Type: %s", content_type);
		hdrs = header_add(hdrs, ct);
	}
	for (const char *const *e = extra_headers; e && *e; e++)
		hdrs = header_add(hdrs, *e);
	BT_CURL_SET(c, CURLOPT_HTTPHEADER, hdrs);
	if (strcmp(method, "HEAD") == 0)
		BT_CURL_SET(c, CURLOPT_NOBODY, 1L);
	else
		BT_CURL_SET(c, CURLOPT_CUSTOMREQUEST, method);

	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		BT_CURL_OK(curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status));
		resp->error[0] = '\0';
	} else {
		resp->status = 0;
		if (resp->error[0] == '\0')
			snprintf(resp->error, sizeof resp->error, "%s", curl_easy_strerror(rc));
	}
	BT_CURL_OK(curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &resp->total_s));
	resp->body = b.data ? b.data : xstrdup("");
	resp->body_len = b.len;
	resp->headers = h.data ? h.data : xstrdup("");
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	free(ct);
	free(url);
	bt_openapi_check(method, path, resp); /* the response against the API document */
	return resp->status;
}

long bt_request(const char *method, const char *path, const char *body, const char *content_type,
		bt_identity id, bt_response *resp)
{
	return bt_request_ex(method, path, body, body ? strlen(body) : 0, content_type, NULL, id,
			     resp);
}

void bt_response_free(bt_response *resp)
{
	free(resp->body);
	free(resp->headers);
	resp->body = resp->headers = NULL;
}

char *bt_header(const bt_response *resp, const char *name)
{
	size_t nlen = strlen(name);
	char *found = NULL;
	const char *line = resp->headers;
	while (line && *line) {
		const char *end = strstr(line, "\r\n");
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0) {
			const char *v = line + nlen + 1;
			while (v < line + len && (*v == ' ' || *v == '\t'))
				v++;
			free(found);
			found = strndup(v, (size_t)(line + len - v));
			ck_assert_msg(found != NULL, "out of memory");
			rtrim(found);
		}
		line = end ? end + 2 : NULL;
	}
	return found;
}

json_t *bt_json_parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
	ck_assert_msg(j != NULL, "not JSON (%s at line %d): %.500s", e.text, e.line, text);
	return j;
}

json_t *bt_json(const bt_response *resp)
{
	return bt_json_parse(resp->body);
}

const char *bt_expect_error(const bt_response *resp)
{
	static json_t *last;
	json_decref(last);
	last = bt_json(resp);
	const char *msg = json_string_value(json_object_get(last, "message"));
	const char *code = json_string_value(json_object_get(last, "code"));
	ck_assert_msg(
		msg && *msg && code && *code,
		"status %ld: error body is not {\"message\": \"...\", \"code\": \"...\"}: %.500s",
		resp->status, resp->body);
	return code;
}

/* ---- programs ---- */

static int drain(int fd, struct buf *b)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof chunk);
	if (n > 0) {
		buf_append(b, chunk, (size_t)n);
		return 1;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	return 0;
}

int bt_run(char *const argv[], char **out, char **err, int timeout_s)
{
	int po[2], pe[2], status = 0;
	struct buf bo = { NULL, 0, 0 }, be = { NULL, 0, 0 };
	posix_spawn_file_actions_t fa;
	pid_t pid;

	if (out)
		*out = NULL;
	if (err)
		*err = NULL;
	if (timeout_s <= 0)
		timeout_s = BT_RUN_TIMEOUT_S;
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0)
		ck_abort_msg("pipe: %s", strerror(errno));
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, po[1], 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, pe[1], 2) != 0)
		ck_abort_msg("posix_spawn file actions: out of memory");
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc != 0) {
		close(po[0]);
		close(pe[0]);
		if (err)
			*err = xasprintf("cannot start %s: %s", argv[0], strerror(rc));
		if (out)
			*out = xstrdup("");
		return -1;
	}

	long long deadline = bt_now_ms() + (long long)timeout_s * 1000;
	int open_o = 1, open_e = 1, killed = 0;
	while (open_o || open_e) {
		struct pollfd p[2] = { { open_o ? po[0] : -1, POLLIN, 0 },
				       { open_e ? pe[0] : -1, POLLIN, 0 } };
		long long left = deadline - bt_now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		int n = poll(p, 2, (int)(left > 1000 ? 1000 : left));
		if (n < 0 && errno != EINTR) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (open_o && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			open_o = drain(po[0], &bo);
		if (open_e && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			open_e = drain(pe[0], &be);
	}
	close(po[0]);
	close(pe[0]);
	/* The deadline also covers a program that closed its output but goes on running. */
	for (;;) {
		pid_t w = waitpid(pid, &status, killed ? 0 : WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0 && bt_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			killed = 1;
		} else if (w == 0) {
			bt_sleep_ms(20);
		}
	}
	if (killed) {
		const char *note = "\n[bt_run: killed after timeout]\n";
		buf_append(&be, note, strlen(note));
	}
	if (out)
		*out = bo.data ? bo.data : xstrdup("");
	else
		free(bo.data);
	if (err)
		*err = be.data ? be.data : xstrdup("");
	else
		free(be.data);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Runs argv; stdout to *out (trimmed) or dropped; stderr copied to ours. */
static int run_passthrough(char *const argv[], char **out)
{
	char *o = NULL, *e = NULL;
	int rc = bt_run(argv, &o, &e, 0);
	if (e && *e)
		fprintf(stderr, "%s", e);
	free(e);
	if (out) {
		rtrim(o);
		*out = o;
	} else {
		free(o);
	}
	return rc;
}

static char *stack_script(void)
{
	return xasprintf("%s/scripts/stack.sh", bt_env("BERTH_SRCDIR"));
}

int bt_stack(const char *verb, const char *arg)
{
	char *script = stack_script();
	char *argv[] = { script, (char *)verb, (char *)bt_env("BERTH_STACK"), (char *)arg, NULL };
	int rc = run_passthrough(argv, NULL);
	free(script);
	return rc;
}

int bt_stack_pid(const char *service)
{
	char *script = stack_script(), *out = NULL;
	char *argv[] = { script, "pid", (char *)bt_env("BERTH_STACK"), (char *)service, NULL };
	int rc = run_passthrough(argv, &out);
	int pid = rc == 0 ? atoi(out) : 0;
	ck_assert_msg(pid > 0, "stack service %s is not running (stack.sh pid: %d, '%s')", service,
		      rc, out);
	free(out);
	free(script);
	return pid;
}

int bt_children(int pid, int *pids, int max)
{
	int n = 0;
	DIR *d = opendir("/proc");
	ck_assert_msg(d != NULL, "opendir /proc: %s", strerror(errno));
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < max) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char path[300], stat[512];
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t len = fread(stat, 1, sizeof stat - 1, f);
		fclose(f);
		stat[len] = '\0';
		/* "pid (comm) state ppid ...": comm may hold spaces and parentheses; the last ')' ends it. */
		char *rp = strrchr(stat, ')');
		char state;
		int ppid;
		if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == pid &&
		    state != 'Z')
			pids[n++] = atoi(de->d_name);
	}
	closedir(d);
	return n;
}

/* Collects the NULL-terminated variadic arguments after prefix[0..nprefix) into an argv. */
static int run_with(char **out, char **prefix, int nprefix, va_list ap)
{
	char *argv[BT_MAX_ARGS];
	int n = 0;
	for (; n < nprefix; n++)
		argv[n] = prefix[n];
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert_msg(n < BT_MAX_ARGS - 1, "too many arguments");
		argv[n++] = (char *)a;
	}
	argv[n] = NULL;
	return run_passthrough(argv, out);
}

int bt_berthctl(char **out, ...)
{
	char *bin = xasprintf("%s/berthctl", bt_env("BERTH_BUILDDIR"));
	if (access(bin, X_OK) != 0) {
		free(bin);
		bin = xasprintf("%s/app/berthctl", bt_env("BERTH_BUILDDIR"));
	}
	char *prefix[] = { bin, "-c", (char *)bt_env("BERTH_CONFIG") };
	va_list ap;
	va_start(ap, out);
	int rc = run_with(out, prefix, 3, ap);
	va_end(ap);
	free(bin);
	return rc;
}

int bt_ctr(char **out, ...)
{
	char *prefix[] = { "ctr", "--address", (char *)bt_env("BERTH_CONTAINERD_SOCKET"), "-n",
			   (char *)bt_env("BERTH_CONTAINERD_NAMESPACE") };
	va_list ap;
	va_start(ap, out);
	int rc = run_with(out, prefix, 5, ap);
	va_end(ap);
	return rc;
}

int bt_psql(char **out, ...)
{
	char *prefix[] = { "psql",
			   "-X",
			   "-A",
			   "-t",
			   "-q",
			   "-v",
			   "ON_ERROR_STOP=1",
			   "-d",
			   (char *)bt_env("BERTH_DATABASE") };
	va_list ap;
	va_start(ap, out);
	int rc = run_with(out, prefix, 9, ap);
	va_end(ap);
	return rc;
}

char *bt_sql(const char *sql)
{
	char *out = NULL;
	int rc = bt_psql(&out, "-c", sql, NULL);
	ck_assert_msg(rc == 0, "psql failed (%d) on: %s", rc, sql);
	return out;
}

/* ---- users, bots, members ---- */

/* The first canonical UUID (8-4-4-4-12 hex) in text, NEW, or NULL. */
static char *find_uuid(const char *text)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	for (const char *p = text; *p; p++) {
		const char *q = p;
		int ok = 1;
		for (int g = 0; g < 5 && ok; g++) {
			for (int i = 0; i < groups[g] && ok; i++, q++)
				ok = isxdigit((unsigned char)*q) != 0;
			if (ok && g < 4)
				ok = *q++ == '-';
		}
		if (ok && !isxdigit((unsigned char)*q) &&
		    (p == text || !isxdigit((unsigned char)p[-1]))) {
			char *id = strndup(p, 36);
			ck_assert_msg(id != NULL, "out of memory");
			for (char *c = id; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			return id;
		}
	}
	return NULL;
}

static void issue_cert(bt_user *u, const char *subject)
{
	char *script = stack_script(), *out = NULL;
	char *argv[] = { script,  "issue-cert",	   (char *)bt_env("BERTH_STACK"),
			 u->name, (char *)subject, NULL };
	int rc = run_passthrough(argv, &out);
	ck_assert_msg(rc == 0 && out[0] != '\0', "stack.sh issue-cert %s '%s' failed (%d)", u->name,
		      subject, rc);
	u->subject_dn = out;
	u->cert_path = xasprintf("%s/pki/%s.crt", bt_env("BERTH_STACK"), u->name);
	u->key_path = xasprintf("%s/pki/%s.key", bt_env("BERTH_STACK"), u->name);
	u->ident = (bt_identity){ u->cert_path, u->key_path };
	free(script);
}

bt_user bt_cert_new(const char *prefix, const char *subject)
{
	bt_user u = { 0 };
	u.name = bt_unique(prefix);
	issue_cert(&u, subject);
	return u;
}

void bt_identity_add(const char *username, const char *subject_dn)
{
	int rc = bt_berthctl(NULL, "identity", "add", username, "x509", subject_dn, NULL);
	ck_assert_msg(rc == 0, "berthctl identity add %s x509 '%s' failed (%d)", username,
		      subject_dn, rc);
}

bt_user bt_user_new(const char *prefix, int admin)
{
	bt_user u = { 0 };
	char *out = NULL;
	u.name = bt_unique(prefix);
	int rc = admin ? bt_berthctl(&out, "user", "create", u.name, "--admin", NULL)
		       : bt_berthctl(&out, "user", "create", u.name, NULL);
	ck_assert_msg(rc == 0, "berthctl user create %s failed (%d): %s", u.name, rc, out);
	u.id = find_uuid(out);
	ck_assert_msg(u.id != NULL, "berthctl user create printed no user id: %s", out);
	free(out);
	char *subject = xasprintf("/O=Berth test/OU=users/CN=%s", u.name);
	issue_cert(&u, subject);
	free(subject);
	bt_identity_add(u.name, u.subject_dn);
	return u;
}

void bt_user_free(bt_user *u)
{
	free(u->name);
	free(u->id);
	free(u->subject_dn);
	free(u->cert_path);
	free(u->key_path);
	memset(u, 0, sizeof *u);
}

char *bt_bot_new(const char *owner_username, const char *type, int allow_guest)
{
	char *out = NULL, *name = bt_unique("bot");
	int rc = allow_guest ? bt_berthctl(&out, "bot", "create", name, "--owner", owner_username,
					   "--type", type, "--allow-guest", NULL)
			     : bt_berthctl(&out, "bot", "create", name, "--owner", owner_username,
					   "--type", type, NULL);
	ck_assert_msg(rc == 0, "berthctl bot create %s failed (%d): %s", name, rc, out);
	char *id = find_uuid(out);
	ck_assert_msg(id != NULL, "berthctl bot create printed no bot id: %s", out);
	free(out);
	free(name);
	return id;
}

void bt_member_add(const char *bot_id, const char *username, const char *role)
{
	int rc = bt_berthctl(NULL, "member", "add", bot_id, username, "--role", role, NULL);
	ck_assert_msg(rc == 0, "berthctl member add %s %s --role %s failed (%d)", bot_id, username,
		      role, rc);
}
