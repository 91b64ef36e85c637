/* version.c: Version and Namespaces services. */
#include <stdio.h>
#include <stdlib.h>

#include "containerd/services/namespaces/v1/namespace.pb-c.h"
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

void ctd_namespaces_free(ctd_namespaces *list)
{
	if (!list)
		return;
	free((void *)list->names);
	ctd_reply_free(list->owner_);
	free(list);
}

int ctd_namespace_list(ctd_conn *c, ctd_namespaces **out, berth_err *err)
{
	Containerd__Services__Namespaces__V1__ListNamespacesRequest req =
		CONTAINERD__SERVICES__NAMESPACES__V1__LIST_NAMESPACES_REQUEST__INIT;
	Containerd__Services__Namespaces__V1__ListNamespacesResponse *resp = NULL;
	ctd_namespaces *list;
	const char **names = NULL;
	*out = NULL;
	if (CTD_UNARY(c, &containerd__services__namespaces__v1__namespaces__descriptor, "List",
		      &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	list = calloc(1, sizeof(*list));
	if (resp->n_namespaces)
		names = calloc(resp->n_namespaces, sizeof(*names));
	if (!list || (resp->n_namespaces && !names)) {
		free(list);
		free(names);
		ctd_reply_free(resp);
		return ctd_nomem(err, "Namespaces.List");
	}
	for (size_t i = 0; i < resp->n_namespaces; i++)
		names[i] = resp->namespaces[i]->name;
	list->n = resp->n_namespaces;
	list->names = names;
	list->owner_ = resp;
	*out = list;
	return 0;
}

int ctd_namespace_create(ctd_conn *c, const char *name, const ctd_label *labels, size_t n_labels,
			 berth_err *err)
{
	Containerd__Services__Namespaces__V1__Namespace ns =
		CONTAINERD__SERVICES__NAMESPACES__V1__NAMESPACE__INIT;
	Containerd__Services__Namespaces__V1__CreateNamespaceRequest req =
		CONTAINERD__SERVICES__NAMESPACES__V1__CREATE_NAMESPACE_REQUEST__INIT;
	ns.name = CTD_STR(name);
	if (CTD_MAP_BUILD(&containerd__services__namespaces__v1__namespace__labels_entry__descriptor,
			  labels, n_labels, ns.labels, ns.n_labels) != 0)
		return ctd_nomem(err, "Namespaces.Create");
	req.namespace_ = &ns;
	int rc = CTD_UNARY(c, &containerd__services__namespaces__v1__namespaces__descriptor,
			   "Create", &req, NULL, 0, err);
	CTD_MAP_FREE(ns.labels, ns.n_labels);
	return rc;
}
