# berth-fcgi: the pre-forked FastCGI server (master + workers).
bin_PROGRAMS += berth-fcgi
berth_fcgi_SOURCES = \
	app/programs/berth_fcgi.c \
	app/programs/berth_fcgi_listen.h \
	app/programs/berth_fcgi_listen.c \
	app/programs/berth_fcgi_master.h \
	app/programs/berth_fcgi_master.c \
	app/programs/berth_fcgi_backstop.h \
	app/programs/berth_fcgi_backstop.c \
	app/programs/berth_fcgi_worker.h \
	app/programs/berth_fcgi_worker.c
berth_fcgi_LDADD = $(BERTH_LINK)
