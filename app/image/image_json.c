/* image_json.c: the pure parts of image handling (see include/berth/image_json.h): digests, chain IDs,
 * index/manifest selection, descriptors, an OCI layout's index.json. No containerd here. */
#include "berth/ctd_types.h"
#include "berth/image_json.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHA256_PREFIX "sha256:"
#define SHA256_HEX_LEN 64

int image_digest_valid(const char *digest)
{
	if (!digest || strncmp(digest, SHA256_PREFIX, strlen(SHA256_PREFIX)) != 0)
		return 0;
	digest += strlen(SHA256_PREFIX);
	for (size_t i = 0; i < SHA256_HEX_LEN; i++) {
		char ch = digest[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return 0;
	}
	return digest[SHA256_HEX_LEN] == '\0';
}

static int sha256_digest(const void *data, size_t len, char out[IMAGE_DIGEST_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
		return -1;
	memcpy(out, SHA256_PREFIX, strlen(SHA256_PREFIX));
	for (unsigned int i = 0; i < md_len; i++)
		snprintf(out + strlen(SHA256_PREFIX) + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int image_chain_ids(const char *const *diff_ids, size_t n, char (*out)[IMAGE_DIGEST_SIZE],
		    berth_err *err)
{
	/* "<chain> <diff>": two digests and a space */
	char buf[2 * IMAGE_DIGEST_SIZE];

	for (size_t i = 0; i < n; i++) {
		if (!image_digest_valid(diff_ids[i]))
			return berth_err_set(err, BERTH_E_INVALID,
					     "diff ID %zu (%s) is not a sha256 "
					     "digest",
					     i, diff_ids[i] ? diff_ids[i] : "(null)");
		if (i == 0) {
			memcpy(out[0], diff_ids[0], IMAGE_DIGEST_SIZE - 1);
			out[0][IMAGE_DIGEST_SIZE - 1] = '\0';
			continue;
		}
		snprintf(buf, sizeof buf, "%s %s", out[i - 1], diff_ids[i]);
		if (sha256_digest(buf, strlen(buf), out[i]) != 0)
			return berth_err_set(err, BERTH_E_INTERNAL, "sha256 failed");
	}
	return 0;
}

int image_media_kind(const char *media_type)
{
	if (!media_type)
		return 0;
	if (strcmp(media_type, IMAGE_MT_OCI_INDEX) == 0 ||
	    strcmp(media_type, IMAGE_MT_DOCKER_LIST) == 0)
		return 1;
	if (strcmp(media_type, IMAGE_MT_OCI_MANIFEST) == 0 ||
	    strcmp(media_type, IMAGE_MT_DOCKER_MANIFEST) == 0)
		return 2;
	return 0;
}

int image_descriptor_parse(const json_t *desc, ctd_descriptor *out, berth_err *err)
{
	const json_t *mt = json_object_get(desc, "mediaType");
	const json_t *dg = json_object_get(desc, "digest");
	const json_t *sz = json_object_get(desc, "size");

	if (!json_is_object(desc))
		return berth_err_set(err, BERTH_E_INVALID, "descriptor is not an object");
	if (!json_is_string(mt))
		return berth_err_set(err, BERTH_E_INVALID, "descriptor has no mediaType");
	if (!image_digest_valid(json_string_value(dg)))
		return berth_err_set(err, BERTH_E_INVALID,
				     "descriptor digest is missing or not sha256");
	if (!json_is_integer(sz) || json_integer_value(sz) < 0)
		return berth_err_set(err, BERTH_E_INVALID, "descriptor %s has no valid size",
				     json_string_value(dg));
	out->media_type = json_string_value(mt);
	out->digest = json_string_value(dg);
	out->size = json_integer_value(sz);
	return 0;
}

const json_t *image_index_select(const json_t *index, const char *os, const char *arch,
				 berth_err *err)
{
	const json_t *manifests = json_object_get(index, "manifests");
	const json_t *entry, *only_unplatformed = NULL;
	size_t i, n_unplatformed = 0;

	if (!json_is_array(manifests)) {
		berth_err_set(err, BERTH_E_INVALID, "index has no manifests array");
		return NULL;
	}
	json_array_foreach(manifests, i, entry)
	{
		const json_t *platform = json_object_get(entry, "platform");
		const char *p_os = json_string_value(json_object_get(platform, "os"));
		const char *p_arch = json_string_value(json_object_get(platform, "architecture"));

		if (!json_is_object(entry))
			continue;
		if (!platform) {
			n_unplatformed++;
			only_unplatformed = entry;
			continue;
		}
		if (p_os && p_arch && strcmp(p_os, os) == 0 && strcmp(p_arch, arch) == 0)
			return entry;
	}
	if (n_unplatformed == 1 && json_array_size(manifests) == 1)
		return only_unplatformed;
	berth_err_set(err, BERTH_E_NOT_FOUND, "index has no manifest for %s/%s", os, arch);
	return NULL;
}

void image_info_free(struct image_info *info)
{
	if (!info)
		return;
	for (size_t i = 0; i < info->n_layers; i++)
		free(info->layers[i].media_type);
	free(info->layers);
	free(info->name);
	json_decref(info->config);
	memset(info, 0, sizeof *info);
}

int image_layers_parse(const json_t *manifest, const json_t *config, struct image_info *out,
		       berth_err *err)
{
	const json_t *layers = json_object_get(manifest, "layers");
	const json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	const char **ids = NULL;
	char(*chains)[IMAGE_DIGEST_SIZE] = NULL;
	size_t n = json_array_size(layers);
	int rc = -1;

	if (!json_is_array(layers) || !json_is_array(diff_ids))
		return berth_err_set(err, BERTH_E_INTERNAL,
				     "manifest layers or config diff_ids missing");
	if (json_array_size(diff_ids) != n)
		return berth_err_set(err, BERTH_E_INTERNAL,
				     "manifest has %zu layers, config %zu diff IDs", n,
				     json_array_size(diff_ids));
	out->layers = calloc(n + 1, sizeof *out->layers);
	ids = calloc(n + 1, sizeof *ids);
	chains = calloc(n + 1, sizeof *chains);
	if (!out->layers || !ids || !chains) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		ctd_descriptor d;

		ids[i] = json_string_value(json_array_get(diff_ids, i));
		if (image_descriptor_parse(json_array_get(layers, i), &d, err) != 0) {
			berth_err_prefix(err, "layer %zu", i);
			goto done;
		}
		out->layers[i].media_type = strdup(d.media_type);
		if (!out->layers[i].media_type) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto done;
		}
		out->n_layers = i + 1;
		snprintf(out->layers[i].digest, IMAGE_DIGEST_SIZE, "%s", d.digest);
		out->layers[i].size = d.size;
	}
	if (image_chain_ids(ids, n, chains, err) != 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		memcpy(out->layers[i].diff_id, ids[i], IMAGE_DIGEST_SIZE);
		memcpy(out->layers[i].chain_id, chains[i], IMAGE_DIGEST_SIZE);
	}
	out->top_chain_id = n ? out->layers[n - 1].chain_id : "";
	rc = 0;
done:
	free(ids);
	free(chains);
	return rc;
}

void image_archive_list_free(struct image_archive_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->entries[i].name);
		free(l->entries[i].media_type);
	}
	free(l->entries);
	l->entries = NULL;
	l->n = 0;
}

/* The image name of an index.json entry: io.containerd.image.name, else an OCI ref.name that is a
 * full reference (contains '/'); a bare tag names nothing. */
static const char *entry_name(const json_t *desc)
{
	const json_t *ann = json_object_get(desc, "annotations");
	const char *name = json_string_value(json_object_get(ann, IMAGE_ANNOTATION_NAME));
	const char *ref = json_string_value(json_object_get(ann, IMAGE_ANNOTATION_REF));

	if (name && *name)
		return name;
	if (ref && strchr(ref, '/'))
		return ref;
	return NULL;
}

int image_archive_parse_index(const char *json_text, size_t len, struct image_archive_list *out,
			      berth_err *err)
{
	json_error_t jerr;
	json_t *index = json_loadb(json_text, len, 0, &jerr);
	const json_t *manifests, *desc;
	size_t i;

	out->n = 0;
	out->entries = NULL;
	if (!index)
		return berth_err_set(err, BERTH_E_INVALID, "index.json: %s (line %d)", jerr.text,
				     jerr.line);
	manifests = json_object_get(index, "manifests");
	if (!json_is_array(manifests)) {
		berth_err_set(err, BERTH_E_INVALID, "index.json: no manifests array");
		goto fail;
	}
	out->entries = calloc(json_array_size(manifests) + 1, sizeof *out->entries);
	if (!out->entries) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	json_array_foreach(manifests, i, desc)
	{
		struct image_archive_entry *e = &out->entries[out->n];
		const char *name = entry_name(desc);
		ctd_descriptor d;

		if (image_descriptor_parse(desc, &d, err) != 0) {
			berth_err_prefix(err, "index.json: manifests[%zu]", i);
			goto fail;
		}
		out->n++;
		e->media_type = strdup(d.media_type);
		e->name = name ? strdup(name) : NULL;
		if (!e->media_type || (name && !e->name)) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto fail;
		}
		snprintf(e->digest, sizeof e->digest, "%s", d.digest);
		e->size = d.size;
	}
	json_decref(index);
	return 0;
fail:
	image_archive_list_free(out);
	json_decref(index);
	return -1;
}
