/* leases.c: Leases service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_leases.h"
#include "berth/ctd_types.h"
#include "containerd/services/leases/v1/leases.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__leases__v1__leases__descriptor)

int ctd_lease_create(ctd_conn *c, const char *id, int expire_s, const ctd_label *labels,
		     size_t n_labels, berth_err *err)
{
	Containerd__Services__Leases__V1__CreateRequest req =
		CONTAINERD__SERVICES__LEASES__V1__CREATE_REQUEST__INIT;
	char expiry[32];
	ctd_label *all = calloc(n_labels + 1, sizeof(*all));
	if (!all)
		return ctd_nomem(err, "Leases.Create");
	if (n_labels)
		memcpy(all, labels, n_labels * sizeof(*all));
	size_t n = n_labels;
	if (expire_s > 0) {
		time_t t = time(NULL) + expire_s;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(expiry, sizeof(expiry), "%Y-%m-%dT%H:%M:%SZ", &tm);
		all[n].key = CTD_LABEL_GC_EXPIRE;
		all[n++].value = expiry;
	}
	req.id = CTD_STR(id);
	int rc = -1;
	if (CTD_MAP_BUILD(
		    &containerd__services__leases__v1__create_request__labels_entry__descriptor,
		    all, n, req.labels, req.n_labels) != 0) {
		ctd_nomem(err, "Leases.Create");
	} else {
		rc = CTD_UNARY(c, SVC, "Create", &req, NULL, 0, err);
		CTD_MAP_FREE(req.labels, req.n_labels);
	}
	free(all);
	return rc;
}

int ctd_lease_delete(ctd_conn *c, const char *id, bool sync, berth_err *err)
{
	Containerd__Services__Leases__V1__DeleteRequest req =
		CONTAINERD__SERVICES__LEASES__V1__DELETE_REQUEST__INIT;
	req.id = CTD_STR(id);
	req.sync = sync;
	return CTD_UNARY(c, SVC, "Delete", &req, NULL, 0, err);
}
