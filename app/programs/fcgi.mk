# berth-fcgi: the pre-forked FastCGI server (master + workers).
bin_PROGRAMS += berth-fcgi
berth_fcgi_SOURCES = \
	include/berth/server.h \
	app/programs/berth_fcgi.c \
	app/programs/berth_fcgi_listen.c \
	app/programs/berth_fcgi_master.c \
	app/programs/berth_fcgi_worker.c
berth_fcgi_LDADD = $(BERTH_LINK)
