/* ctd_version.h: containerd's Version service (app/containerd/version.c).
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_VERSION_H
#define BERTH_CTD_VERSION_H

#include <stddef.h>

#include "berth/ctd_conn.h"
#include "berth/err.h"

/* Writes containerd's version ("1.6.20~ds1") into version (truncated to cap). */
int ctd_version(ctd_conn *c, char *version, size_t cap, berth_err *err);

#endif
