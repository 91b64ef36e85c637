# berthctl: the operator's tool (migrate, users, identities, bots, members, image, doctor).
# Built as app/berthctl (scripts/stack.sh and test/lib run it from there).
bin_PROGRAMS += app/berthctl
app_berthctl_SOURCES = \
	app/programs/berthctl.h \
	app/programs/berthctl.c \
	app/programs/berthctl_args.c \
	app/programs/berthctl_db.c \
	app/programs/berthctl_doctor.c \
	app/programs/berthctl_image.c
app_berthctl_LDADD = $(BERTH_LINK)

# Unit test of berthctl's argument parsing.
check_PROGRAMS += test/unit/test_store_berthctl_args
TESTS += test/unit/test_store_berthctl_args
test_unit_test_store_berthctl_args_SOURCES = test/unit/test_store_berthctl_args.c app/programs/berthctl_args.c
test_unit_test_store_berthctl_args_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/app/programs
