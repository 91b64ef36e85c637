/* tasks.c: Tasks service (task and process lifecycle). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_tasks.h"
#include "berth/ctd_types.h"
#include "containerd/services/tasks/v1/tasks.pb-c.h"
#include "google/protobuf/any.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__tasks__v1__tasks__descriptor)

static int64_t ts_ns(const Google__Protobuf__Timestamp *t)
{
	return t ? t->seconds * 1000000000LL + t->nanos : 0;
}

int ctd_task_create(ctd_conn *c, const char *container_id, const ctd_mounts *rootfs,
		    const ctd_stdio *io, uint32_t *pid, berth_err *err)
{
	Containerd__Services__Tasks__V1__CreateTaskRequest req =
		CONTAINERD__SERVICES__TASKS__V1__CREATE_TASK_REQUEST__INIT;
	Containerd__Services__Tasks__V1__CreateTaskResponse *resp = NULL;
	req.container_id = CTD_STR(container_id);
	if (ctd_mounts_proto(rootfs, &req.rootfs, err) != 0)
		return -1;
	req.n_rootfs = req.rootfs ? rootfs->n : 0;
	if (io) {
		req.stdin = CTD_STR(io->in);
		req.stdout = CTD_STR(io->out);
		req.stderr = CTD_STR(io->err);
		req.terminal = io->terminal;
	}
	int rc = CTD_UNARY(c, SVC, "Create", &req, &resp, 0, err);
	free(req.rootfs);
	if (rc != 0)
		return -1;
	if (pid)
		*pid = resp->pid;
	ctd_reply_free(resp);
	return 0;
}

int ctd_task_start(ctd_conn *c, const char *container_id, const char *exec_id, uint32_t *pid,
		   berth_err *err)
{
	Containerd__Services__Tasks__V1__StartRequest req =
		CONTAINERD__SERVICES__TASKS__V1__START_REQUEST__INIT;
	Containerd__Services__Tasks__V1__StartResponse *resp = NULL;
	req.container_id = CTD_STR(container_id);
	req.exec_id = CTD_STR(exec_id);
	if (CTD_UNARY(c, SVC, "Start", &req, &resp, 0, err) != 0)
		return -1;
	if (pid)
		*pid = resp->pid;
	ctd_reply_free(resp);
	return 0;
}

int ctd_task_get(ctd_conn *c, const char *container_id, const char *exec_id, ctd_task_info *out,
		 berth_err *err)
{
	Containerd__Services__Tasks__V1__GetRequest req =
		CONTAINERD__SERVICES__TASKS__V1__GET_REQUEST__INIT;
	Containerd__Services__Tasks__V1__GetResponse *resp = NULL;
	req.container_id = CTD_STR(container_id);
	req.exec_id = CTD_STR(exec_id);
	if (CTD_UNARY(c, SVC, "Get", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	if (!resp->process) {
		ctd_reply_free(resp);
		return berth_err_set(err, BERTH_E_INTERNAL, "Tasks.Get: reply without process");
	}
	if (out) {
		out->pid = resp->process->pid;
		out->status = ctd_task_status_from_proto(resp->process->status);
		out->exit_status = resp->process->exit_status;
	}
	ctd_reply_free(resp);
	return 0;
}

int ctd_task_kill(ctd_conn *c, const char *container_id, const char *exec_id, uint32_t signal,
		  bool all, berth_err *err)
{
	Containerd__Services__Tasks__V1__KillRequest req =
		CONTAINERD__SERVICES__TASKS__V1__KILL_REQUEST__INIT;
	req.container_id = CTD_STR(container_id);
	req.exec_id = CTD_STR(exec_id);
	req.signal = signal;
	req.all = all;
	return CTD_UNARY(c, SVC, "Kill", &req, NULL, 0, err);
}

int ctd_task_wait(ctd_conn *c, const char *container_id, const char *exec_id, int timeout_ms,
		  ctd_exit *out, berth_err *err)
{
	Containerd__Services__Tasks__V1__WaitRequest req =
		CONTAINERD__SERVICES__TASKS__V1__WAIT_REQUEST__INIT;
	Containerd__Services__Tasks__V1__WaitResponse *resp = NULL;
	req.container_id = CTD_STR(container_id);
	req.exec_id = CTD_STR(exec_id);
	if (timeout_ms == 0)
		timeout_ms = -1;
	if (ctd_call_unary(c, SVC, "Wait", &req.base, (ProtobufCMessage **)&resp, timeout_ms,
			   CTD_IDEMPOTENT, err) != 0)
		return -1;
	if (out) {
		out->status = resp->exit_status;
		out->exited_at_ns = ts_ns(resp->exited_at);
	}
	ctd_reply_free(resp);
	return 0;
}

static int delete_reply(Containerd__Services__Tasks__V1__DeleteResponse *resp, ctd_exit *out)
{
	if (out) {
		out->status = resp->exit_status;
		out->exited_at_ns = ts_ns(resp->exited_at);
	}
	ctd_reply_free(resp);
	return 0;
}

int ctd_task_delete(ctd_conn *c, const char *container_id, ctd_exit *out, berth_err *err)
{
	Containerd__Services__Tasks__V1__DeleteTaskRequest req =
		CONTAINERD__SERVICES__TASKS__V1__DELETE_TASK_REQUEST__INIT;
	Containerd__Services__Tasks__V1__DeleteResponse *resp = NULL;
	req.container_id = CTD_STR(container_id);
	if (CTD_UNARY(c, SVC, "Delete", &req, &resp, 0, err) != 0)
		return -1;
	return delete_reply(resp, out);
}

int ctd_task_exec(ctd_conn *c, const char *container_id, const char *exec_id,
		  const char *process_json, const ctd_stdio *io, berth_err *err)
{
	Containerd__Services__Tasks__V1__ExecProcessRequest req =
		CONTAINERD__SERVICES__TASKS__V1__EXEC_PROCESS_REQUEST__INIT;
	Google__Protobuf__Any spec = GOOGLE__PROTOBUF__ANY__INIT;
	if (!process_json)
		return berth_err_set(err, BERTH_E_INVALID, "Tasks.Exec: process spec required");
	spec.type_url = CTD_STR(CTD_PROCESS_TYPE_URL);
	spec.value.data = (uint8_t *)process_json;
	spec.value.len = strlen(process_json);
	req.container_id = CTD_STR(container_id);
	req.exec_id = CTD_STR(exec_id);
	req.spec = &spec;
	if (io) {
		req.stdin = CTD_STR(io->in);
		req.stdout = CTD_STR(io->out);
		req.stderr = CTD_STR(io->err);
		req.terminal = io->terminal;
	}
	return CTD_UNARY(c, SVC, "Exec", &req, NULL, 0, err);
}

int ctd_task_delete_process(ctd_conn *c, const char *container_id, const char *exec_id,
			    ctd_exit *out, berth_err *err)
{
	Containerd__Services__Tasks__V1__DeleteProcessRequest req =
		CONTAINERD__SERVICES__TASKS__V1__DELETE_PROCESS_REQUEST__INIT;
	Containerd__Services__Tasks__V1__DeleteResponse *resp = NULL;
	req.container_id = CTD_STR(container_id);
	req.exec_id = CTD_STR(exec_id);
	if (CTD_UNARY(c, SVC, "DeleteProcess", &req, &resp, 0, err) != 0)
		return -1;
	return delete_reply(resp, out);
}

void ctd_tasks_free(ctd_tasks *list)
{
	if (!list)
		return;
	free(list->items);
	ctd_reply_free(list->owner_);
	free(list);
}

int ctd_task_list(ctd_conn *c, ctd_tasks **out, berth_err *err)
{
	Containerd__Services__Tasks__V1__ListTasksRequest req =
		CONTAINERD__SERVICES__TASKS__V1__LIST_TASKS_REQUEST__INIT;
	Containerd__Services__Tasks__V1__ListTasksResponse *resp = NULL;
	ctd_tasks *list;
	*out = NULL;
	if (CTD_UNARY(c, SVC, "List", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	list = calloc(1, sizeof(*list));
	if (!list ||
	    (resp->n_tasks && !(list->items = calloc(resp->n_tasks, sizeof(*list->items))))) {
		free(list);
		ctd_reply_free(resp);
		return ctd_nomem(err, "Tasks.List");
	}
	list->owner_ = resp;
	for (size_t i = 0; i < resp->n_tasks; i++) {
		const Containerd__V1__Types__Process *p = resp->tasks[i];
		list->items[i] = (ctd_process){ p->container_id, p->id, p->pid,
						ctd_task_status_from_proto(p->status),
						p->exit_status };
	}
	list->n = resp->n_tasks;
	*out = list;
	return 0;
}

void ctd_metrics_free(ctd_metrics *m)
{
	if (!m)
		return;
	ctd_reply_free(m->owner_);
	free(m);
}

int ctd_task_metrics(ctd_conn *c, const char *container_id, ctd_metrics **out, berth_err *err)
{
	Containerd__Services__Tasks__V1__MetricsRequest req =
		CONTAINERD__SERVICES__TASKS__V1__METRICS_REQUEST__INIT;
	Containerd__Services__Tasks__V1__MetricsResponse *resp = NULL;
	const Containerd__Types__Metric *metric;
	ctd_metrics *m;
	char filter[256];
	*out = NULL;
	if ((size_t)snprintf(filter, sizeof(filter), "id==%s", container_id) >= sizeof(filter))
		return berth_err_set(err, BERTH_E_INVALID, "Tasks.Metrics: id too long");
	char *filters[] = { filter };
	req.n_filters = 1;
	req.filters = filters;
	if (CTD_UNARY(c, SVC, "Metrics", &req, &resp, CTD_IDEMPOTENT, err) != 0)
		return -1;
	if (resp->n_metrics == 0) {
		ctd_reply_free(resp);
		return berth_err_set(err, BERTH_E_NOT_FOUND, "Tasks.Metrics: no task %s",
				     container_id);
	}
	if (!(m = calloc(1, sizeof(*m)))) {
		ctd_reply_free(resp);
		return ctd_nomem(err, "Tasks.Metrics");
	}
	metric = resp->metrics[0];
	m->id = metric->id;
	m->timestamp = ctd_time_of(metric->timestamp);
	if (metric->data) {
		m->type_url = metric->data->type_url;
		m->data = metric->data->value.data;
		m->len = metric->data->value.len;
	} else {
		m->type_url = "";
	}
	m->owner_ = resp;
	*out = m;
	return 0;
}
