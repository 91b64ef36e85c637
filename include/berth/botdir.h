/* botdir.h: a bot's two host directories.
 *
 *   <data_root>/bots/<uuid>   bot-controlled (mounted read-write at the data mount), mode 0755,
 *                             with <data>/.skills (created when absent; whatever the bot put there
 *                             instead, a link or a file, is left alone and logged: it breaks only
 *                             the bot's skills routes, never its container's build)
 *   <state_root>/bots/<uuid>  host-only (resolv.conf source, ...), mode 0700
 *   <state_root>/bots/<uuid>/agent
 *                             the agent's socket dir, mode 0700: bind-mounted read-write into the
 *                             container (the bot can put anything there; the host opens what it
 *                             finds only with O_NOFOLLOW checks, app/agentc)
 *
 * data_root and state_root are the administrator's (created with their parents when missing);
 * from there on every component is created and opened without following links: a link at
 * bots or bots/<uuid> -> BERTH_E_PRECONDITION "... is a symbolic link".
 */
#ifndef BERTH_BOTDIR_H
#define BERTH_BOTDIR_H

#include "berth/agent_wire.h"
#include "berth/err.h"

struct botdir {
	char *data_path;  /* NEW: <data_root>/bots/<uuid> */
	char *state_path; /* NEW: <state_root>/bots/<uuid> */
	int data_fd;	  /* open O_DIRECTORY fd of data_path (for skills / safefs), owned */
	int state_fd;	  /* open O_DIRECTORY fd of state_path, owned */
	char *agent_path; /* NEW: <state_path>/agent  */
};

/* The agent's socket file name inside the agent dir. */
#define BOTDIR_AGENT_SOCKET AGENT_SOCKET_NAME

/* Creates (when missing) and opens both directories of bot uuid (must be canonical, else
 * BERTH_E_INVALID). On success *out owns paths and fds: release with botdir_release. On failure
 * *out holds nothing to release (fds are -1, paths NULL). */
int botdir_prepare(const char *data_root, const char *state_root, const char *uuid,
		   struct botdir *out, berth_err *err);

/* Opens the existing data dir of a bot without creating anything (BERTH_E_NOT_FOUND when absent;
 * a link there -> BERTH_E_PRECONDITION). *fd_out is owned by the caller. */
int botdir_open_data(const char *data_root, const char *uuid, int *fd_out, berth_err *err);

/* Makes sure <state_root>/bots/<uuid>/agent exists (0700) and holds no BOTDIR_AGENT_SOCKET entry:
 * whatever is at that name (a dead socket, or a link, file or directory the bot put there) is
 * removed without following links, so that the agent started next binds a fresh socket. Called
 * before every task start. */
int botdir_agent_reset(const char *state_root, const char *uuid, berth_err *err);

/* Closes the fds and frees the paths; safe on a struct a failed botdir_prepare left or one already
 * released (fds -1), NOT on a zeroed one. */
void botdir_release(struct botdir *dir);

#endif
