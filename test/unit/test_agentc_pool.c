/* Unit tests of the agent client's kept connections (app/agentc/agentc_pool.c) against a fake
 * agent in a thread (a unix socket that answers lines, counts connections and misbehaves on
 * demand), and of the one-pass JSON object check the gateway relays replies with (jsonscan.c). */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "berth/agentc_pool.h"
#include "berth/jsonscan.h"

/* ---- a fake agent ---- */

enum fake_mode {
	FAKE_ANSWER,
	FAKE_DROP /* read the line, close without a reply */,
	FAKE_TWO_LINES
};

struct fake {
	char dir[48], sock[96];
	int listen_fd, stop_pipe[2];
	atomic_int accepts, lines, mode, close_idle;
	pthread_t thread;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd p[18];
	char buf[18][4096];
	size_t len[18] = { 0 };
	int n = 2;

	p[0] = (struct pollfd){ f->listen_fd, POLLIN, 0 };
	p[1] = (struct pollfd){ f->stop_pipe[0], POLLIN, 0 };
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents) {
			char c = 'x';

			if (read(f->stop_pipe[0], &c, 1) != 1 || c != 'r')
				break;
			p[0].fd =
				f->listen_fd; /* a new listener: the kept connections stay served */
			continue;
		}
		if (p[0].revents & POLLIN) {
			int c = accept(f->listen_fd, NULL, NULL);
			if (c >= 0 && n < 18) {
				atomic_fetch_add(&f->accepts, 1);
				p[n] = (struct pollfd){ c, POLLIN, 0 };
				len[n++] = 0;
			} else if (c >= 0) {
				close(c);
			}
		}
		for (int i = 2; i < n; i++) {
			ssize_t r;
			char *nl;

			if (!p[i].revents)
				continue;
			r = recv(p[i].fd, buf[i] + len[i], sizeof buf[i] - len[i], 0);
			if (r <= 0) {
				close(p[i].fd);
				p[i] = p[--n];
				memcpy(buf[i], buf[n], len[n]);
				len[i] = len[n];
				i--;
				continue;
			}
			len[i] += (size_t)r;
			while ((nl = memchr(buf[i], '\n', len[i])) != NULL) {
				char reply[128];
				int k = atomic_fetch_add(&f->lines, 1) + 1,
				    m = atomic_load(&f->mode);

				memmove(buf[i], nl + 1, len[i] - (size_t)(nl - buf[i]) - 1);
				len[i] -= (size_t)(nl - buf[i]) + 1;
				if (m == FAKE_DROP) {
					len[i] = 0;
					shutdown(p[i].fd, SHUT_RDWR);
					break;
				}
				snprintf(reply, sizeof reply, "{\"line\":%d,\"accepts\":%d}\n%s", k,
					 atomic_load(&f->accepts),
					 m == FAKE_TWO_LINES ? "{\"extra\":1}\n" : "");
				ck_assert_int_eq(send(p[i].fd, reply, strlen(reply), MSG_NOSIGNAL),
						 (ssize_t)strlen(reply));
				if (atomic_load(&f->close_idle))
					shutdown(p[i].fd, SHUT_RDWR);
			}
		}
	}
	for (int i = 2; i < n; i++)
		close(p[i].fd);
	return NULL;
}

static void fake_listen(struct fake *f)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	snprintf(addr.sun_path, sizeof addr.sun_path, "%s", f->sock);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(f->listen_fd, 0);
	ck_assert_int_eq(bind(f->listen_fd, (struct sockaddr *)&addr, sizeof addr), 0);
	ck_assert_int_eq(listen(f->listen_fd, 16), 0);
}

static void fake_start(struct fake *f)
{
	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/agentc-pool-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->sock, sizeof f->sock, "%s/agent.sock", f->dir);
	fake_listen(f);
	ck_assert_int_eq(pipe(f->stop_pipe), 0);
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
	ck_assert_int_eq(write(f->stop_pipe[1], "x", 1), 1);
	pthread_join(f->thread, NULL);
	close(f->listen_fd);
	close(f->stop_pipe[0]);
	close(f->stop_pipe[1]);
	unlink(f->sock);
	rmdir(f->dir);
}

/* One call through the pool; the reply line (NEW) or NULL with err. */
static char *call(agentc_pool *pool, struct fake *f, berth_err *err)
{
	char *reply = NULL;
	size_t len = 0;

	if (agentc_pool_call(pool, f->dir, "agent.sock", "{\"q\":1}", 7, berth_now_ms() + 5000,
			     5000, 0, &reply, &len, err) < 0)
		return NULL;
	ck_assert_uint_eq(strlen(reply), len);
	return reply;
}

static void call_expect(agentc_pool *pool, struct fake *f, const char *want)
{
	berth_err err;
	char *r = call(pool, f, &err);

	ck_assert_msg(r != NULL, "call failed: %s", err.msg);
	ck_assert_str_eq(r, want);
	free(r);
}

START_TEST(test_kept_connection_is_reused)
{
	struct fake f;
	agentc_pool *pool;

	fake_start(&f);
	pool = agentc_pool_new(4, 60000);
	ck_assert_ptr_nonnull(pool);
	call_expect(pool, &f, "{\"line\":1,\"accepts\":1}");
	call_expect(pool, &f, "{\"line\":2,\"accepts\":1}");
	call_expect(pool, &f, "{\"line\":3,\"accepts\":1}");
	agentc_pool_free(pool);
	fake_stop(&f);
}
END_TEST

START_TEST(test_without_pool_one_connection_per_call)
{
	struct fake f;

	fake_start(&f);
	call_expect(NULL, &f, "{\"line\":1,\"accepts\":1}");
	call_expect(NULL, &f, "{\"line\":2,\"accepts\":2}");
	fake_stop(&f);
}
END_TEST

/* The bot replaced its socket: the kept connection (still open and served) is not used, the
 * socket now at the name is. */
START_TEST(test_replaced_socket_reconnects)
{
	struct fake f;
	agentc_pool *pool = agentc_pool_new(4, 60000);
	int old_fd;

	fake_start(&f);
	call_expect(pool, &f, "{\"line\":1,\"accepts\":1}");
	old_fd = f.listen_fd;
	ck_assert_int_eq(unlink(f.sock), 0);
	fake_listen(&f); /* a new inode at the name */
	ck_assert_int_eq(write(f.stop_pipe[1], "r", 1), 1);
	usleep(20000);
	close(old_fd);
	call_expect(pool, &f, "{\"line\":2,\"accepts\":2}");
	call_expect(pool, &f, "{\"line\":3,\"accepts\":2}");
	agentc_pool_free(pool);
	fake_stop(&f);
}
END_TEST

/* The agent closed the kept connection while it was idle: the call goes on a new one. */
START_TEST(test_closed_idle_connection_reconnects)
{
	struct fake f;
	agentc_pool *pool = agentc_pool_new(4, 60000);

	fake_start(&f);
	atomic_store(&f.close_idle, 1);
	call_expect(pool, &f, "{\"line\":1,\"accepts\":1}");
	usleep(20000);
	call_expect(pool, &f, "{\"line\":2,\"accepts\":2}");
	agentc_pool_free(pool);
	fake_stop(&f);
}
END_TEST

/* The agent took the request and closed without a reply: an error, and the request is not sent
 * again (it may have run). */
START_TEST(test_no_resend_after_the_request_was_taken)
{
	struct fake f;
	agentc_pool *pool = agentc_pool_new(4, 60000);
	berth_err err;

	fake_start(&f);
	call_expect(pool, &f, "{\"line\":1,\"accepts\":1}");
	atomic_store(&f.mode, FAKE_DROP);
	ck_assert_ptr_null(call(pool, &f, &err));
	ck_assert_int_eq(err.kind, BERTH_E_INTERNAL);
	ck_assert_int_eq(atomic_load(&f.lines), 2);
	atomic_store(&f.mode, FAKE_ANSWER);
	call_expect(pool, &f, "{\"line\":3,\"accepts\":2}");
	agentc_pool_free(pool);
	fake_stop(&f);
}
END_TEST

/* More than one line came back: the first is the reply, the connection is not kept. */
START_TEST(test_extra_bytes_not_kept)
{
	struct fake f;
	agentc_pool *pool = agentc_pool_new(4, 60000);

	fake_start(&f);
	atomic_store(&f.mode, FAKE_TWO_LINES);
	call_expect(pool, &f, "{\"line\":1,\"accepts\":1}");
	atomic_store(&f.mode, FAKE_ANSWER);
	call_expect(pool, &f, "{\"line\":2,\"accepts\":2}");
	agentc_pool_free(pool);
	fake_stop(&f);
}
END_TEST

/* A link planted at the name is never followed, kept connection or not. */
START_TEST(test_symlink_refused)
{
	struct fake f;
	agentc_pool *pool = agentc_pool_new(4, 60000);
	char moved[160];
	berth_err err;

	fake_start(&f);
	call_expect(pool, &f, "{\"line\":1,\"accepts\":1}");
	snprintf(moved, sizeof moved, "%s/real.sock", f.dir);
	ck_assert_int_eq(rename(f.sock, moved), 0);
	ck_assert_int_eq(symlink(moved, f.sock), 0);
	ck_assert_ptr_null(call(pool, &f, &err));
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(unlink(f.sock), 0);
	ck_assert_ptr_null(call(pool, &f, &err));
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);
	ck_assert_int_eq(rename(moved, f.sock), 0);
	call_expect(pool, &f, "{\"line\":2,\"accepts\":1}"); /* the same inode again: kept */
	agentc_pool_free(pool);
	fake_stop(&f);
}
END_TEST

/* With room for one connection, two sockets take turns: each call still answers. */
START_TEST(test_lru_eviction)
{
	struct fake a, b;
	agentc_pool *pool = agentc_pool_new(1, 60000);

	fake_start(&a);
	fake_start(&b);
	call_expect(pool, &a, "{\"line\":1,\"accepts\":1}");
	call_expect(pool, &b, "{\"line\":1,\"accepts\":1}");
	call_expect(pool, &a, "{\"line\":2,\"accepts\":2}");
	call_expect(pool, &a, "{\"line\":3,\"accepts\":2}");
	agentc_pool_free(pool);
	fake_stop(&a);
	fake_stop(&b);
}
END_TEST

/* ---- jsonscan ---- */

static int scan(const char *s)
{
	return jsonscan_object(s, strlen(s), NULL, 0, NULL);
}

START_TEST(test_jsonscan_accepts)
{
	ck_assert_int_eq(scan("{}"), 0);
	ck_assert_int_eq(
		scan(" \n{ \"a\" : [1, -2.5e+3, 0, true, false, null, \"x\", {}, []] }\r\n"), 0);
	ck_assert_int_eq(
		scan("{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000 \\u00e9 \\ud83d\\ude00\"}"),
		0);
	ck_assert_int_eq(scan("{\"u\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}"), 0);
}
END_TEST

START_TEST(test_jsonscan_refuses)
{
	static const char *const bad[] = {
		"",
		"[]",
		"\"x\"",
		"1",
		"{",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1,}",
		"{\"a\":1}{}",
		"{\"a\":1} x",
		"{a:1}",
		"{\"a\":01}",
		"{\"a\":1.}",
		"{\"a\":.5}",
		"{\"a\":-}",
		"{\"a\":1e}",
		"{\"a\":tru}",
		"{\"a\":\"\x01\"}",
		"{\"a\":\"\\x\"}",
		"{\"a\":\"\\u12\"}",
		"{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\udc00\"}",
		"{\"a\":\"\xff\"}",
		"{\"a\":\"\xc0\xaf\"}",
		"{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"unterminated}",
		"{\"a\":[1,2}",
		"{\"a\":NaN}",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(scan(bad[i]) == -1, "accepted: %s", bad[i]);
	ck_assert_int_eq(jsonscan_object("{\"a\":1}\0", 8, NULL, 0, NULL), -1);
}
END_TEST

START_TEST(test_jsonscan_depth)
{
	char deep[2 * JSONSCAN_MAX_DEPTH + 16], *p = deep;

	p += sprintf(p, "{\"a\":");
	for (int i = 0; i < JSONSCAN_MAX_DEPTH + 1; i++)
		*p++ = '[';
	for (int i = 0; i < JSONSCAN_MAX_DEPTH + 1; i++)
		*p++ = ']';
	strcpy(p, "}");
	ck_assert_int_eq(scan(deep), -1);
}
END_TEST

START_TEST(test_jsonscan_members)
{
	const char *s = "{\"jsonrpc\":\"2.0\", \"id\" : 7,\"result\":{\"id\":1},\"k\\\"q\":[1]}";
	struct jsonscan_member m[3];
	size_t n;

	ck_assert_int_eq(jsonscan_object(s, strlen(s), m, 3, &n), 0);
	ck_assert_uint_eq(n, 4); /* all counted, three recorded */
	ck_assert_uint_eq(m[0].key_len, 7);
	ck_assert(memcmp(m[0].key, "jsonrpc", 7) == 0);
	ck_assert_uint_eq(m[0].value_len, 5);
	ck_assert(memcmp(m[0].value, "\"2.0\"", 5) == 0);
	ck_assert_uint_eq(m[1].key_len, 2);
	ck_assert(memcmp(m[1].key, "id", 2) == 0);
	ck_assert_uint_eq(m[1].value_len, 1);
	ck_assert(m[1].value[0] == '7');
	ck_assert_uint_eq(m[2].value_len, 8);
	ck_assert(memcmp(m[2].value, "{\"id\":1}", 8) == 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agentc_pool");
	TCase *tc = tcase_create("pool");
	TCase *js = tcase_create("jsonscan");

	tcase_add_test(tc, test_kept_connection_is_reused);
	tcase_add_test(tc, test_without_pool_one_connection_per_call);
	tcase_add_test(tc, test_replaced_socket_reconnects);
	tcase_add_test(tc, test_closed_idle_connection_reconnects);
	tcase_add_test(tc, test_no_resend_after_the_request_was_taken);
	tcase_add_test(tc, test_extra_bytes_not_kept);
	tcase_add_test(tc, test_symlink_refused);
	tcase_add_test(tc, test_lru_eviction);
	suite_add_tcase(s, tc);
	tcase_add_test(js, test_jsonscan_accepts);
	tcase_add_test(js, test_jsonscan_refuses);
	tcase_add_test(js, test_jsonscan_depth);
	tcase_add_test(js, test_jsonscan_members);
	suite_add_tcase(s, js);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
