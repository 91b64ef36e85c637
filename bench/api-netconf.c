/* api-netconf: prints the network configuration one CNI plugin of a .conflist receives on stdin,
 * per the CNI spec (the plugin's object plus the list's "name" and "cniVersion"), so that
 * bench/api.sh can run the bridge plugin directly as the baseline of Berth's CNI ADD.
 *
 *   api-netconf CONFLIST INDEX
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	json_error_t e;
	json_t *list, *plugin, *conf;
	char *text;

	if (argc != 3) {
		fprintf(stderr, "usage: api-netconf CONFLIST INDEX\n");
		return 2;
	}
	list = json_load_file(argv[1], 0, &e);
	if (!list) {
		fprintf(stderr, "api-netconf: %s: %s\n", argv[1], e.text);
		return 1;
	}
	plugin = json_array_get(json_object_get(list, "plugins"), (size_t)atoi(argv[2]));
	if (!json_is_object(plugin)) {
		fprintf(stderr, "api-netconf: %s has no plugin %s\n", argv[1], argv[2]);
		return 1;
	}
	conf = json_deep_copy(plugin);
	if (!conf || json_object_set(conf, "name", json_object_get(list, "name")) < 0 ||
	    json_object_set(conf, "cniVersion", json_object_get(list, "cniVersion")) < 0)
		return 1;
	text = json_dumps(conf, JSON_COMPACT);
	if (!text)
		return 1;
	puts(text);
	free(text);
	json_decref(conf);
	json_decref(list);
	return 0;
}
