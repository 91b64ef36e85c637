/* libFuzzer harness: OCI documents through the image parsers: the input as an OCI layout's
 * index.json (image_archive_parse_index), as an index (image_index_select for linux/amd64 and
 * image_descriptor_parse), as a manifest (image_layers_parse, its config document being the
 * input's "x-config" member or a config of one diff ID) and as an image config (oci_spec_build). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "berth/ctd_types.h"
#include "berth/image_json.h"
#include "berth/oci_spec.h"

#define ONE_DIFF_ID                                                                                \
	"{\"rootfs\":{\"diff_ids\":[\"sha256:"                                                     \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}}"

static void as_manifest(const json_t *doc)
{
	json_t *fallback = json_loads(ONE_DIFF_ID, 0, NULL);
	const json_t *config = json_object_get(doc, "x-config");
	struct image_info info;
	berth_err err;

	memset(&info, 0, sizeof info);
	if (image_layers_parse(doc, config ? config : fallback, &info, &err) == 0) {
		for (size_t i = 0; i < info.n_layers; i++)
			if (!image_digest_valid(info.layers[i].digest) ||
			    !image_digest_valid(info.layers[i].diff_id) ||
			    !image_digest_valid(info.layers[i].chain_id))
				abort();
		if (info.n_layers &&
		    strcmp(info.top_chain_id, info.layers[info.n_layers - 1].chain_id))
			abort();
	}
	image_info_free(&info);
	json_decref(fallback);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_archive_list list;
	struct oci_spec_opts opts;
	ctd_descriptor d;
	berth_err err;
	json_t *doc, *spec;
	const json_t *entry;

	if (image_archive_parse_index((const char *)data, size, &list, &err) == 0) {
		for (size_t i = 0; i < list.n; i++)
			if (!image_digest_valid(list.entries[i].digest) || list.entries[i].size < 0)
				abort();
		image_archive_list_free(&list);
	}
	doc = json_loadb((const char *)data, size, 0, NULL);
	if (!doc)
		return 0;
	entry = image_index_select(doc, "linux", "amd64", &err);
	if (entry && image_descriptor_parse(entry, &d, &err) == 0 &&
	    (!image_digest_valid(d.digest) || d.size < 0 || !d.media_type))
		abort();
	as_manifest(doc);
	memset(&opts, 0, sizeof opts);
	opts.id = "c1";
	opts.ns = "berth";
	spec = oci_spec_build(doc, &opts, &err);
	if (spec && !json_is_object(json_object_get(spec, "process")))
		abort();
	json_decref(spec);
	json_decref(doc);
	return 0;
}
