/* it_foundation.c: integration tests of the foundation (issue #2 §8), on the real stack that
 * test/run-integration starts, all through nginx with real client certificates.
 *
 * The disruptive cases (worker kill, reload, database restart) come last and each leaves the stack
 * as it found it.
 */
#define _GNU_SOURCE /* vasprintf, pipe2, strcasestr */
#include "bt.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* A key's value in the stack's berth.conf (for the configured limits). Aborts if absent. */
static long config_long(const char *key)
{
	FILE *f = fopen(bt_env("BERTH_CONFIG"), "re");
	ck_assert_msg(f != NULL, "cannot open %s", bt_env("BERTH_CONFIG"));
	char line[512];
	long value = -1;
	size_t klen = strlen(key);
	while (fgets(line, sizeof line, f)) {
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, key, klen) != 0)
			continue;
		p += klen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '=')
			value = strtol(p + 1, NULL, 0);
	}
	fclose(f);
	ck_assert_msg(value >= 0, "%s not found in %s", key, bt_env("BERTH_CONFIG"));
	return value;
}

/* Polls GET path with identity until it answers want, at most timeout_ms. Returns the last status. */
static long wait_status(const char *path, bt_identity id, long want, int timeout_ms)
{
	long long deadline = bt_now_ms() + timeout_ms;
	long status;
	for (;;) {
		bt_response r;
		status = bt_request("GET", path, NULL, NULL, id, &r);
		bt_response_free(&r);
		if (status == want || bt_now_ms() > deadline)
			return status;
		bt_sleep_ms(200);
	}
}

START_TEST(no_client_certificate_is_refused_by_nginx)
{
	bt_response r;
	long s = bt_request("GET", "/me", NULL, NULL, BT_NO_IDENTITY, &r);
	ck_assert_msg(s == 400, "GET /me without a client certificate: %ld %s (want nginx's 400)",
		      s, r.error);
	bt_response_free(&r);
}
END_TEST

START_TEST(certificate_of_another_ca_is_refused_by_nginx)
{
	char *dir = NULL;
	char *stack = (char *)bt_env("BERTH_STACK");
	char *name = bt_unique("rogue");
	char key[512], crt[512];
	snprintf(key, sizeof key, "%s/pki/%s.key", stack, name);
	snprintf(crt, sizeof crt, "%s/pki/%s.crt", stack, name);
	/* Self-signed: same subject as the admin, but not signed by the stack CA. */
	char *argv[] = { "openssl",
			 "req",
			 "-x509",
			 "-newkey",
			 "ec",
			 "-pkeyopt",
			 "ec_paramgen_curve:prime256v1",
			 "-nodes",
			 "-days",
			 "1",
			 "-subj",
			 "/O=Berth development/OU=operators/CN=admin",
			 "-keyout",
			 key,
			 "-out",
			 crt,
			 NULL };
	char *err = NULL;
	int rc = bt_run(argv, NULL, &err, 60);
	ck_assert_msg(rc == 0, "openssl failed: %s", err);
	free(err);
	bt_response r;
	long s = bt_request("GET", "/me", NULL, NULL, (bt_identity){ crt, key }, &r);
	ck_assert_msg(s == 400 || s == 0,
		      "certificate of a foreign CA: %ld (want 400 or a TLS failure)", s);
	bt_response_free(&r);
	free(name);
	free(dir);
}
END_TEST

START_TEST(known_identity_gets_health_and_ready)
{
	bt_response r;
	long s = bt_request("GET", "/health", NULL, NULL, bt_admin(), &r);
	ck_assert_msg(s == 200, "GET /health as admin: %ld %s %.300s", s, r.error, r.body);
	bt_response_free(&r);
	s = bt_request("GET", "/ready", NULL, NULL, bt_admin(), &r);
	ck_assert_msg(s == 200, "GET /ready as admin: %ld %s %.300s", s, r.error, r.body);
	json_decref(bt_json(&r));
	bt_response_free(&r);
	s = bt_request("GET", "/me", NULL, NULL, bt_admin(), &r);
	ck_assert_msg(s == 200, "GET /me as admin: %ld %s %.300s", s, r.error, r.body);
	json_decref(bt_json(&r));
	bt_response_free(&r);
}
END_TEST

/* HEAD of a GET route through nginx: the GET's status and Content-Length, no body; a path without
 * a GET route lists HEAD nowhere, one with a GET lists it right after GET. */
START_TEST(head_answers_like_get_without_body)
{
	bt_response g, h;
	long s = bt_request("GET", "/me", NULL, NULL, bt_admin(), &g);
	ck_assert_msg(s == 200, "GET /me: %ld %s %.300s", s, g.error, g.body);
	s = bt_request("HEAD", "/me", NULL, NULL, bt_admin(), &h);
	ck_assert_msg(s == 200, "HEAD /me: %ld %s", s, h.error);
	char *len = bt_header(&h, "Content-Length");
	char want[32];
	snprintf(want, sizeof want, "%zu", g.body_len);
	ck_assert_msg(len && strcmp(len, want) == 0,
		      "HEAD /me Content-Length %s, GET's body has %s bytes", len ? len : "(none)",
		      want);
	ck_assert_uint_eq(h.body_len, 0);
	free(len);
	bt_response_free(&g);
	bt_response_free(&h);

	s = bt_request("POST", "/health", NULL, NULL, bt_admin(), &h);
	ck_assert_int_eq(s, 405);
	char *allow = bt_header(&h, "Allow");
	ck_assert_msg(allow && strcmp(allow, "GET, HEAD") == 0, "Allow: %s",
		      allow ? allow : "(none)");
	free(allow);
	bt_response_free(&h);
}
END_TEST

START_TEST(unknown_identity_gets_401)
{
	char *cn = bt_unique("nobody-known");
	char subject[256];
	snprintf(subject, sizeof subject, "/O=Berth test/OU=strangers/CN=%s", cn);
	free(cn);
	bt_user stranger = bt_cert_new("stranger", subject);
	bt_response r;
	long s = bt_request("GET", "/me", NULL, NULL, stranger.ident, &r);
	ck_assert_msg(s == 401, "GET /me with a valid but unknown certificate: %ld %.300s", s,
		      r.body);
	bt_expect_error(&r);
	bt_response_free(&r);
	bt_user_free(&stranger);
}
END_TEST

/* Whatever headers say, identity comes only from the verified certificate. */
START_TEST(forged_identity_headers_change_nothing)
{
	bt_user stranger = bt_cert_new("forger", "/O=Berth test/OU=strangers/CN=forger");
	char *admin_dn = NULL;
	char *argv[] = { "openssl", "x509",	"-in",	    (char *)bt_env("BERTH_ADMIN_CERT"),
			 "-noout",  "-subject", "-nameopt", "RFC2253",
			 NULL };
	ck_assert_int_eq(bt_run(argv, &admin_dn, NULL, 30), 0);
	admin_dn[strcspn(admin_dn, "\n")] = '\0';
	const char *dn = strncmp(admin_dn, "subject=", 8) == 0 ? admin_dn + 8 : admin_dn;

	char h1[1024], h2[1024], h3[1024], h4[1024];
	snprintf(h1, sizeof h1, "X-SSL-Client-S-DN: %s", dn);
	snprintf(h2, sizeof h2, "SSL-Client-S-DN: %s", dn);
	snprintf(h3, sizeof h3, "X-Client-DN: %s", dn);
	snprintf(h4, sizeof h4, "Ssl-Client-Verify: SUCCESS");
	const char *forged[] = { h1,
				 h2,
				 h3,
				 h4,
				 "X-User-Id: 00000000-0000-0000-0000-000000000001",
				 "X-Remote-User: admin",
				 "Authorization: Bearer admin",
				 NULL };

	bt_response r;
	long s = bt_request_ex("GET", "/me", NULL, 0, NULL, forged, stranger.ident, &r);
	ck_assert_msg(s == 401, "unknown certificate + forged admin headers: %ld %.300s (want 401)",
		      s, r.body);
	bt_expect_error(&r);
	bt_response_free(&r);

	/* A known user forging the admin's headers stays who the certificate says. */
	bt_user plain = bt_user_new("plain", 0);
	bt_response mine, forged_r;
	ck_assert_int_eq(bt_request("GET", "/me", NULL, NULL, plain.ident, &mine), 200);
	s = bt_request_ex("GET", "/me", NULL, 0, NULL, forged, plain.ident, &forged_r);
	ck_assert_msg(s == 200, "known user + forged headers: %ld %.300s", s, forged_r.body);
	ck_assert_str_eq(mine.body, forged_r.body);
	ck_assert_msg(strstr(forged_r.body, plain.name) != NULL, "GET /me does not name %s: %.300s",
		      plain.name, forged_r.body);
	bt_response_free(&mine);
	bt_response_free(&forged_r);
	bt_user_free(&plain);
	bt_user_free(&stranger);
	free(admin_dn);
}
END_TEST

START_TEST(subject_dn_longer_than_127_bytes_authenticates)
{
	bt_user u = bt_user_new("longdn", 0);
	char subject[512];
	snprintf(subject, sizeof subject,
		 "/O=Berth test organisation with a deliberately long name"
		 "/OU=a unit whose name pushes the subject past the limit"
		 "/OU=and another organisational unit for good measure"
		 "/CN=%s",
		 u.name);
	bt_user cert = bt_cert_new("longdn-cert", subject);
	ck_assert_msg(strlen(cert.subject_dn) > 127, "subject DN is only %zu bytes",
		      strlen(cert.subject_dn));
	bt_identity_add(u.name, cert.subject_dn);
	bt_response r;
	long s = bt_request("GET", "/me", NULL, NULL, cert.ident, &r);
	ck_assert_msg(s == 200, "GET /me with a %zu-byte subject DN: %ld %.300s",
		      strlen(cert.subject_dn), s, r.body);
	ck_assert_msg(strstr(r.body, u.name) != NULL, "GET /me does not name %s: %.300s", u.name,
		      r.body);
	bt_response_free(&r);
	bt_user_free(&cert);
	bt_user_free(&u);
}
END_TEST

START_TEST(oversized_body_gets_413)
{
	long max = config_long("max_body_bytes");
	size_t len = (size_t)max + 1;
	char *body = malloc(len);
	ck_assert(body != NULL);
	memset(body, ' ', len);
	body[0] = '{';
	body[len - 1] = '}';
	bt_response r;
	/* Just over the app's limit: nginx lets it through, the app refuses it. */
	long s = bt_request_ex("POST", "/me", body, len, "application/json", NULL, bt_admin(), &r);
	ck_assert_msg(s == 413, "POST of %zu bytes (limit %ld): %ld %.300s", len, max, s, r.body);
	bt_expect_error(&r);
	bt_response_free(&r);
	free(body);

	/* Far over it: nginx refuses it before the app. */
	len = (size_t)max * 3;
	body = malloc(len);
	ck_assert(body != NULL);
	memset(body, 'x', len);
	s = bt_request_ex("POST", "/me", body, len, "application/json", NULL, bt_admin(), &r);
	ck_assert_msg(s == 413, "POST of %zu bytes: %ld", len, s);
	bt_response_free(&r);
	free(body);
}
END_TEST

/* ---- request loops against process events ---- */

struct loop {
	volatile int stop;
	int ok;
	int failed;
	long fail_status[32];
	char fail_error[256];
};

static void *loop_main(void *arg)
{
	struct loop *l = arg;
	bt_identity admin = bt_admin();
	while (!l->stop) {
		bt_response r;
		long s = bt_request("GET", "/health", NULL, NULL, admin, &r);
		if (s == 200) {
			l->ok++;
		} else {
			if (l->failed < 32)
				l->fail_status[l->failed] = s;
			if (s == 0)
				snprintf(l->fail_error, sizeof l->fail_error, "%s", r.error);
			l->failed++;
		}
		bt_response_free(&r);
	}
	return NULL;
}

static void loop_start(struct loop *l, pthread_t *t)
{
	memset(l, 0, sizeof *l);
	ck_assert_int_eq(pthread_create(t, NULL, loop_main, l), 0);
}

static void loop_stop(struct loop *l, pthread_t t)
{
	l->stop = 1;
	pthread_join(t, NULL);
}

static int live_workers(int master)
{
	int pids[256];
	return bt_children(master, pids, 256);
}

static void wait_workers(int master, int want, int timeout_ms)
{
	long long deadline = bt_now_ms() + timeout_ms;
	int n;
	while ((n = live_workers(master)) != want && bt_now_ms() < deadline)
		bt_sleep_ms(100);
	ck_assert_msg(n == want, "berth-fcgi master %d has %d workers, want %d", master, n, want);
}

START_TEST(killed_worker_is_replaced_and_the_loop_goes_on)
{
	int master = bt_stack_pid("fcgi");
	int workers = (int)config_long("workers");
	wait_workers(master, workers, 10000);

	struct loop l;
	pthread_t t;
	loop_start(&l, &t);
	const int kills = 3;
	for (int k = 0; k < kills; k++) {
		bt_sleep_ms(700);
		int pids[256];
		int n = bt_children(master, pids, 256);
		ck_assert_msg(n > 0, "berth-fcgi master %d has no workers", master);
		ck_assert_int_eq(kill(pids[k % n], SIGKILL), 0);
	}
	bt_sleep_ms(1500);
	loop_stop(&l, t);

	ck_assert_msg(bt_stack_pid("fcgi") == master, "the master was replaced");
	wait_workers(master, workers, 10000);
	ck_assert_msg(l.ok > 20, "only %d requests succeeded", l.ok);
	/* At most the in-flight request of each killed worker fails, and nginx answers 502 for it. */
	ck_assert_msg(l.failed <= kills, "%d requests failed (%d killed workers; last error %s)",
		      l.failed, kills, l.fail_error);
	for (int i = 0; i < l.failed && i < 32; i++)
		ck_assert_msg(l.fail_status[i] == 502, "a request failed with %ld (want 502)",
			      l.fail_status[i]);
	long s = wait_status("/health", bt_admin(), 200, 5000);
	ck_assert_int_eq(s, 200);
}
END_TEST

START_TEST(sighup_reload_fails_no_request)
{
	int master = bt_stack_pid("fcgi");
	int workers = (int)config_long("workers");
	int before[256];
	int nbefore = bt_children(master, before, 256);

	struct loop l;
	pthread_t t;
	loop_start(&l, &t);
	for (int k = 0; k < 2; k++) {
		bt_sleep_ms(1000);
		ck_assert_int_eq(kill(master, SIGHUP), 0);
	}
	bt_sleep_ms(2000);
	loop_stop(&l, t);

	ck_assert_msg(l.failed == 0,
		      "%d of %d requests failed during reload (first status %ld, %s)", l.failed,
		      l.ok + l.failed, l.fail_status[0], l.fail_error);
	ck_assert_msg(l.ok > 20, "only %d requests succeeded", l.ok);
	ck_assert_msg(bt_stack_pid("fcgi") == master, "the master was replaced");
	wait_workers(master, workers, 20000);
	/* The workers were replaced. */
	int after[256];
	int nafter = bt_children(master, after, 256);
	int same = 0;
	for (int i = 0; i < nbefore; i++)
		for (int j = 0; j < nafter; j++)
			same += before[i] == after[j];
	ck_assert_msg(same == 0, "%d workers survived two reloads", same);
}
END_TEST

/* ---- FastCGI spoken directly to berth-fcgi (what nginx does) ---- */

static void fcgi_record(unsigned char *out, size_t *len, int type, const unsigned char *content,
			size_t clen)
{
	unsigned char h[8] = {
		1, (unsigned char)type, 0, 1, (unsigned char)(clen >> 8), (unsigned char)clen, 0, 0
	};

	memcpy(out + *len, h, 8);
	if (clen)
		memcpy(out + *len + 8, content, clen);
	*len += 8 + clen;
}

/* One GET request for path (no client certificate params: /health needs none). */
static size_t fcgi_get_request(const char *path, unsigned char *out)
{
	static const unsigned char begin[8] = {
		0, 1, 0, 0, 0, 0, 0, 0
	}; /* responder, no keep-alive */
	const char *params[][2] = { { "REQUEST_METHOD", "GET" }, { "REQUEST_URI", path } };
	unsigned char p[512];
	size_t plen = 0, len = 0;

	for (size_t i = 0; i < 2; i++) {
		size_t nl = strlen(params[i][0]), vl = strlen(params[i][1]);
		ck_assert(nl < 128 && vl < 128 && plen + 2 + nl + vl <= sizeof p);
		p[plen++] = (unsigned char)nl;
		p[plen++] = (unsigned char)vl;
		memcpy(p + plen, params[i][0], nl);
		memcpy(p + plen + nl, params[i][1], vl);
		plen += nl + vl;
	}
	fcgi_record(out, &len, 1, begin, sizeof begin);
	fcgi_record(out, &len, 4, p, plen);
	fcgi_record(out, &len, 4, NULL, 0);
	fcgi_record(out, &len, 5, NULL, 0);
	return len;
}

/* Sends the request on fd (after delay_ms), reads until the peer closes, and returns the HTTP
 * status of the STDOUT stream: 0 when no response came (the connection was closed unanswered). */
static int fcgi_exchange(int fd, const char *path, int delay_ms)
{
	unsigned char req[1024], all[65536];
	char out[65536];
	size_t len = fcgi_get_request(path, req), got = 0, out_len = 0, off = 0;
	int status = 0;
	ssize_t n;

	if (delay_ms > 0)
		bt_sleep_ms(delay_ms);
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		return 0; /* closed by the server before the request was sent */
	while (got < sizeof all && (n = read(fd, all + got, sizeof all - got)) > 0)
		got += (size_t)n;
	while (off + 8 <= got) {
		size_t clen = (size_t)all[off + 4] << 8 | all[off + 5];
		if (all[off + 1] == 6 && out_len + clen < sizeof out) {
			memcpy(out + out_len, all + off + 8, clen);
			out_len += clen;
		}
		off += 8 + clen + all[off + 6];
	}
	out[out_len] = '\0';
	if (sscanf(out, "Status: %d", &status) != 1)
		status = 0;
	return status;
}

static int connect_tcp(const char *from, int port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_in src = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &to.sin_addr), 1);
	ck_assert_int_eq(inet_pton(AF_INET, from, &src.sin_addr), 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
	if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A loopback TCP port that was free a moment ago. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* The stack's berth.conf with [server] fcgi_listen and fcgi_allowed_peers replaced and one
 * worker, written next to it. NEW path. */
static char *tcp_config(const char *listen, const char *peers)
{
	FILE *in = fopen(bt_env("BERTH_CONFIG"), "re"), *out;
	char *name = bt_unique("fcgi-tcp"), *path, line[1024];

	ck_assert(in != NULL);
	ck_assert_int_ge(asprintf(&path, "%s/%s.conf", bt_env("BERTH_STACK"), name), 0);
	free(name);
	out = fopen(path, "we");
	ck_assert(out != NULL);
	while (fgets(line, sizeof line, in)) {
		if (strncmp(line, "fcgi_listen", 11) == 0 ||
		    strncmp(line, "fcgi_allowed_peers", 18) == 0 ||
		    strncmp(line, "workers", 7) == 0 || strncmp(line, "pid_file", 8) == 0)
			continue;
		fputs(line, out);
		if (strncmp(line, "[server]", 8) == 0)
			fprintf(out,
				"fcgi_listen = %s\nfcgi_allowed_peers = %s\nworkers = 1\npid_file =\n",
				listen, peers);
	}
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
	return path;
}

static char *fcgi_binary(void)
{
	char *bin;

	ck_assert_int_ge(asprintf(&bin, "%s/berth-fcgi", bt_env("BERTH_BUILDDIR")), 0);
	return bin;
}

START_TEST(tcp_listener_off_loopback_needs_allowed_peers)
{
	char *bin = fcgi_binary();
	struct {
		const char *listen, *peers, *says;
	} refused[] = {
		{ "0.0.0.0:1", "", "fcgi_allowed_peers" },
		{ "[::1]:1", "127.0.0.1", "IPv4" },
		{ "127.0.0.1:1", "127.0.0.1, ::1", "not an IPv4 address" },
	};

	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		char *conf = tcp_config(refused[i].listen, refused[i].peers), *err = NULL;
		char *argv[] = { bin, "-c", conf, NULL };
		int rc = bt_run(argv, NULL, &err, 30);

		ck_assert_msg(rc == 1, "berth-fcgi with fcgi_listen %s, peers '%s': exit %d (%s)",
			      refused[i].listen, refused[i].peers, rc, err);
		ck_assert_msg(strstr(err, refused[i].says) != NULL, "no '%s' in: %s",
			      refused[i].says, err);
		unlink(conf);
		free(conf);
		free(err);
	}
	free(bin);
}
END_TEST

/* libfcgi closes connections from peers not in fcgi_allowed_peers before reading anything. */
START_TEST(tcp_listener_serves_allowed_peers_only)
{
	int port = free_port();
	char listen[64], *bin = fcgi_binary(), *conf, *log;
	int fd = -1, logfd, status;
	pid_t pid;
	long long deadline = bt_now_ms() + 20000;

	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	conf = tcp_config(listen, " 127.0.0.3 ,127.0.0.1");
	ck_assert_int_ge(asprintf(&log, "%s.log", conf), 0);
	logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(logfd, 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(logfd, 2);
		execl(bin, bin, "-c", conf, (char *)NULL);
		_exit(127);
	}
	close(logfd);
	while ((fd = connect_tcp("127.0.0.1", port)) < 0 && bt_now_ms() < deadline)
		bt_sleep_ms(100);
	ck_assert_msg(fd >= 0, "berth-fcgi did not listen on %s (log %s)", listen, log);
	status = fcgi_exchange(fd, "/health", 0);
	close(fd);
	ck_assert_msg(status == 200, "GET /health from an allowed peer: %d (log %s)", status, log);

	fd = connect_tcp("127.0.0.2", port);
	ck_assert_int_ge(fd, 0);
	status = fcgi_exchange(fd, "/health", 0);
	close(fd);
	ck_assert_msg(status == 0, "a peer not allowed got an answer: %d", status);

	fd = connect_tcp("127.0.0.3", port);
	ck_assert_int_ge(fd, 0);
	status = fcgi_exchange(fd, "/health", 0);
	close(fd);
	ck_assert_msg(status == 200, "GET /health from the other allowed peer: %d (log %s)", status,
		      log);

	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "berth-fcgi ended with status %d", status);
	unlink(conf);
	unlink(log);
	free(conf);
	free(log);
	free(bin);
}
END_TEST

/* A worker told to stop after it accepted a connection, before the request's first bytes
 * arrived, still answers it (libfcgi closed such a connection unanswered when its wait for those
 * bytes was interrupted by the signal: nginx said 502). */
START_TEST(reload_while_a_connection_waits_for_its_request)
{
	int master = bt_stack_pid("fcgi");
	int workers = (int)config_long("workers");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *sock = NULL;
	FILE *f = fopen(bt_env("BERTH_CONFIG"), "re");
	char line[512];

	ck_assert(f != NULL);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "fcgi_socket = %107s", sa.sun_path) == 1)
			sock = sa.sun_path;
	fclose(f);
	ck_assert_msg(sock != NULL, "no fcgi_socket in %s", bt_env("BERTH_CONFIG"));
	wait_workers(master, workers, 20000);

	for (int round = 0; round < 3; round++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
		bt_sleep_ms(300); /* a worker accepts it and waits for the request */
		ck_assert_int_eq(kill(master, SIGHUP), 0);
		int status = fcgi_exchange(fd, "/health", 300);
		close(fd);
		ck_assert_msg(status == 200,
			      "round %d: the connection accepted before the reload got %d", round,
			      status);
		wait_workers(master, workers, 20000);
	}
}
END_TEST

START_TEST(database_restart_gives_503_then_recovers)
{
	ck_assert_int_eq(wait_status("/me", bt_admin(), 200, 5000), 200);
	ck_assert_int_eq(bt_stack("stop-service", "postgres"), 0);

	bt_response r;
	long s = bt_request("GET", "/ready", NULL, NULL, bt_admin(), &r);
	ck_assert_msg(s == 503, "GET /ready with the database down: %ld %.300s", s, r.body);
	bt_expect_error(&r);
	ck_assert_msg(strcasestr(r.body, "database") != NULL,
		      "503 does not name the database: %.300s", r.body);
	bt_response_free(&r);
	s = bt_request("GET", "/me", NULL, NULL, bt_admin(), &r);
	ck_assert_msg(s == 503, "GET /me with the database down: %ld %.300s", s, r.body);
	bt_expect_error(&r);
	bt_response_free(&r);

	int master = bt_stack_pid("fcgi");
	ck_assert_int_eq(bt_stack("start-service", "postgres"), 0);
	s = wait_status("/me", bt_admin(), 200, 30000);
	ck_assert_msg(s == 200, "GET /me 30 s after the database came back: %ld", s);
	s = wait_status("/ready", bt_admin(), 200, 30000);
	ck_assert_msg(s == 200, "GET /ready 30 s after the database came back: %ld", s);
	ck_assert_msg(bt_stack_pid("fcgi") == master, "berth-fcgi was restarted");
}
END_TEST

static Suite *foundation_suite(void)
{
	Suite *s = suite_create("foundation");
	TCase *auth = tcase_create("auth");
	tcase_set_timeout(auth, 120);
	tcase_add_test(auth, no_client_certificate_is_refused_by_nginx);
	tcase_add_test(auth, certificate_of_another_ca_is_refused_by_nginx);
	tcase_add_test(auth, known_identity_gets_health_and_ready);
	tcase_add_test(auth, head_answers_like_get_without_body);
	tcase_add_test(auth, unknown_identity_gets_401);
	tcase_add_test(auth, forged_identity_headers_change_nothing);
	tcase_add_test(auth, subject_dn_longer_than_127_bytes_authenticates);
	tcase_add_test(auth, oversized_body_gets_413);
	suite_add_tcase(s, auth);

	TCase *proc = tcase_create("process");
	tcase_set_timeout(proc, 180);
	tcase_add_test(proc, killed_worker_is_replaced_and_the_loop_goes_on);
	tcase_add_test(proc, sighup_reload_fails_no_request);
	tcase_add_test(proc, reload_while_a_connection_waits_for_its_request);
	tcase_add_test(proc, tcp_listener_off_loopback_needs_allowed_peers);
	tcase_add_test(proc, tcp_listener_serves_allowed_peers_only);
	tcase_add_test(proc, database_restart_gives_503_then_recovers);
	suite_add_tcase(s, proc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(foundation_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
