/* version.c: Version service. */
#include <stdio.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_version.h"
#include "containerd/services/version/v1/version.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "internal.h"

int ctd_version(ctd_conn *c, char *version, size_t cap, berth_err *err)
{
	Google__Protobuf__Empty req = GOOGLE__PROTOBUF__EMPTY__INIT;
	Containerd__Services__Version__V1__VersionResponse *resp = NULL;
	if (CTD_UNARY(c, &containerd__services__version__v1__version__descriptor, "Version", &req,
		      &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	if (cap > 0)
		snprintf(version, cap, "%s", resp->version);
	ctd_reply_free(resp);
	return 0;
}
