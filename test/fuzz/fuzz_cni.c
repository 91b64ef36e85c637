/* libFuzzer harness: a CNI plugin's stdout through cni_result_parse. A result it accepts has an
 * IPv4 address (dotted, no prefix) and its CIDR form, all NUL-terminated within their fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_result r;
	berth_err err;

	if (cni_result_parse((const char *)data, size, "net", "eth0", &r, &err) != 0)
		return 0;
	if (!memchr(r.ip, '\0', sizeof r.ip) || !memchr(r.cidr, '\0', sizeof r.cidr) ||
	    !memchr(r.gateway, '\0', sizeof r.gateway) || !strchr(r.ip, '.') || strchr(r.ip, '/') ||
	    strncmp(r.cidr, r.ip, strlen(r.ip)) != 0)
		abort();
	return 0;
}
