/* resolv.h: the bots' /etc/resolv.conf.
 *
 * A bot container has its own network namespace, so the host's loopback resolvers (the
 * systemd-resolved stub 127.0.0.53, docker's 127.0.0.11, dnsmasq on 127.0.0.1, ::1) are
 * unreachable from it. The bot's file is built from the host's one without them. Its source is a
 * host-only file under <state_root>/bots/<uuid>/ (never in the bot-writable data dir: hazard
 * §18.2), bind-mounted read-only.
 */
#ifndef BERTH_RESOLV_H
#define BERTH_RESOLV_H

#include "berth/err.h"

/* Pure. host_text: the host's resolv.conf (may be NULL = empty). Keeps "search", "domain",
 * "options" and "sortlist" lines and every nameserver that is not in 127.0.0.0/8, ::1, ::,
 * 0.0.0.0 (or a v4-mapped form of those); drops comments and anything else. When no nameserver
 * is left, the nameservers of fallback (space/comma/tab separated IP addresses, may be NULL or
 * "") are used; a fallback entry that is not an IP address -> BERTH_E_INVALID. When that is empty
 * too, the file names no nameserver and says why in a comment (documented: Berth never invents
 * public resolvers). *out is NEW (free()). */
int resolv_build(const char *host_text, const char *fallback, char **out, berth_err *err);

/* Atomically writes content to <bot_state_dir>/resolv.conf, mode 0644, replacing whatever is at
 * that name without following it (a link there is replaced, its target untouched).
 * bot_state_dir must be a real directory (not a link). *path_out (may be NULL) is NEW (free()). */
int resolv_write_for_bot(const char *bot_state_dir, const char *content, char **path_out,
			 berth_err *err);

/* The two above in one: reads host_resolv_path (a missing file counts as empty), builds with
 * fallback and writes <bot_state_dir>/resolv.conf. Of a host file over 64 KiB only the whole
 * lines within its first 64 KiB are used (a warning is logged): a line cut at the bound is
 * dropped, never parsed as a shorter address. *path_out (may be NULL) is NEW. */
int resolv_prepare_for_bot(const char *host_resolv_path, const char *fallback,
			   const char *bot_state_dir, char **path_out, berth_err *err);

#endif
