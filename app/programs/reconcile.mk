# berth-reconcile: the reconcile worker (one active per containerd node).
bin_PROGRAMS += berth-reconcile
berth_reconcile_SOURCES = \
	app/programs/berth_reconcile.h \
	app/programs/berth_reconcile.c \
	app/programs/berth_reconcile_sched.c \
	app/programs/berth_reconcile_events.c \
	app/programs/berth_reconcile_heartbeat.c
berth_reconcile_LDADD = $(BERTH_LINK)
