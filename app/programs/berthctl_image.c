/* berthctl_image.c: `berthctl image import FILE [--name NAME] [--no-unpack]` and `berthctl image
 * list`, against the configured containerd socket, namespace and snapshotter. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_images.h"
#include "berth/image_import.h"
#include "berth/image_json.h"
#include "berthctl.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))
/* Content.Write of a large layer is one call: give an import more than a normal call's deadline. */
#define IMPORT_TIMEOUT_MS (10 * 60 * 1000)

static const char usage[] =
	"usage: berthctl image import FILE [--name NAME] [--no-unpack]\n"
	"       berthctl image list\n"
	"import loads an OCI image archive (as `ctr images export` writes it, or the berth-bot.tar the\n"
	"build makes) into containerd and unpacks it into the configured snapshotter; --name names the\n"
	"archive's one image. It prints one line per image: NAME<TAB>DIGEST.\n";

static int image_import_cmd(ctd_conn *c, const struct berth_config *cfg, int argc, char **argv)
{
	berth_err err = { 0 };
	const char *name = NULL, *pos[1] = { NULL };
	bool no_unpack = false;
	const struct berthctl_opt opts[] = { { "name", &name, NULL },
					     { "no-unpack", NULL, &no_unpack } };
	struct image_import_opts io;
	struct image_archive_list imported;

	if (berthctl_parse(argc, argv, opts, NOPTS(opts), pos, 1, 1, &err) != 0) {
		berth_err_prefix(&err, "image import");
		return berthctl_fail(&err, 1);
	}
	io.name = name;
	io.snapshotter = no_unpack ? NULL : cfg->snapshotter;
	ctd_conn_set_timeout(c, cfg->ctd_timeout_ms > IMPORT_TIMEOUT_MS ? cfg->ctd_timeout_ms
									: IMPORT_TIMEOUT_MS);
	if (image_import(c, pos[0], &io, &imported, &err) != 0)
		return berthctl_fail(&err, 0);
	for (size_t i = 0; i < imported.n; i++)
		printf("%s\t%s\n", imported.entries[i].name, imported.entries[i].digest);
	image_archive_list_free(&imported);
	return BERTHCTL_OK;
}

static int image_list_cmd(ctd_conn *c, int argc, char **argv)
{
	berth_err err = { 0 };
	ctd_images *list = NULL;

	if (berthctl_parse(argc, argv, NULL, 0, NULL, 0, 0, &err) != 0) {
		berth_err_prefix(&err, "image list");
		return berthctl_fail(&err, 1);
	}
	if (ctd_image_list(c, NULL, 0, &list, &err) != 0)
		return berthctl_fail(&err, 0);
	for (size_t i = 0; i < list->n; i++) {
		const ctd_image *img = &list->items[i];

		printf("%s\t%s\t%s\n", img->name, img->target.digest, img->target.media_type);
	}
	ctd_images_free(list);
	return BERTHCTL_OK;
}

int berthctl_cmd_image(const struct berth_config *cfg, int argc, char **argv)
{
	berth_err err = { 0 };
	ctd_conn *c;
	int rc;

	if (argc >= 1 && (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0)) {
		fputs(usage, stdout);
		return BERTHCTL_OK;
	}
	if (argc < 1 || (strcmp(argv[0], "import") != 0 && strcmp(argv[0], "list") != 0)) {
		fputs(usage, stderr);
		return BERTHCTL_USAGE;
	}
	c = ctd_conn_new(cfg->ctd_socket, cfg->ctd_namespace, cfg->ctd_timeout_ms, &err);
	if (!c)
		return berthctl_fail(&err, 0);
	if (strcmp(argv[0], "import") == 0)
		rc = image_import_cmd(c, cfg, argc - 1, argv + 1);
	else
		rc = image_list_cmd(c, argc - 1, argv + 1);
	ctd_conn_free(c);
	ctd_shutdown();
	return rc;
}
