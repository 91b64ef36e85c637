# image: the OCI runtime spec builder, image resolve/unpack/import on top of the containerd client,
# and the default bot image archive. Knows nothing of bots.
noinst_LIBRARIES += app/image/libberth_image.a
app_image_libberth_image_a_SOURCES = \
	include/berth/image_json.h \
	include/berth/image_resolve.h \
	include/berth/image_archive.h \
	include/berth/image_import.h \
	app/image/oci_spec.c \
	app/image/image_json.c \
	app/image/archive.c \
	app/image/archive_walk.h \
	app/image/resolve.c \
	app/image/import.c

# The default bot image, an OCI archive built offline from Debian's busybox-static.
BERTH_BOT_IMAGE_NAME = docker.io/library/berth-bot:latest
# Installed to $(pkgdatadir) for `berthctl image import` (README: Production install).
pkgdata_DATA += berth-bot.tar
dist_noinst_SCRIPTS += scripts/mkimage.sh
CLEANFILES += berth-bot.tar
berth-bot.tar: $(srcdir)/scripts/mkimage.sh
	$(AM_V_GEN)$(SHELL) $(srcdir)/scripts/mkimage.sh $@ $(BERTH_BOT_IMAGE_NAME)

# Unit tests (no containerd).
check_PROGRAMS += test/unit/test_oci_spec test/unit/test_image_json test/unit/test_image_archive
TESTS += test/unit/test_oci_spec test/unit/test_image_json test/unit/test_image_archive
EXTRA_test_unit_test_image_archive_DEPENDENCIES = berth-bot.tar

# Integration tests (the stack's containerd; ctr as the observer).
check_PROGRAMS += test/integration/it_image
INTEGRATION_TESTS += test/integration/it_image
EXTRA_test_integration_it_image_DEPENDENCIES = berth-bot.tar
