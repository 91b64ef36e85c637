/* ctd_leases.h: containerd's Leases service (app/containerd/leases.c).
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_LEASES_H
#define BERTH_CTD_LEASES_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_types.h"
#include "berth/err.h"

/* Label containerd reads as a lease's expiry (RFC 3339). */
#define CTD_LABEL_GC_EXPIRE "containerd.io/gc.expire"

/* expire_s > 0 adds the containerd.io/gc.expire label (now + expire_s) so a lease left behind by a
 * crash expires. */
int ctd_lease_create(ctd_conn *c, const char *id, int expire_s, const ctd_label *labels,
		     size_t n_labels, berth_err *err);
/* sync: garbage collection runs before the reply. */
int ctd_lease_delete(ctd_conn *c, const char *id, bool sync, berth_err *err);

#endif
