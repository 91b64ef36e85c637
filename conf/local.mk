# install: what `make install` puts where a Debian admin expects it (README: Production install).
# With ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var:
#   /usr/bin/berth-fcgi, /usr/bin/berthctl     bin_PROGRAMS of app/programs/*.mk (a new program,
#                                               e.g. berth-reconcile, is one bin_PROGRAMS line there)
#   /usr/libexec/berth/berth-agent             pkglibexec_PROGRAMS (app/agent/local.mk); the
#                                               compiled default of [agent] binary
#   /etc/berth/berth.conf.example              the documented configuration; berth.conf itself is
#                                               never created or overwritten
#   /usr/lib/systemd/system/berth-*.service    SYSTEMD_UNITS below, with this build's directories
#   /usr/share/berth/berth-bot.tar             the bot image (berthctl image import)
#   /usr/share/berth/migrations/NNNN_*.sql     for reference: berthctl embeds and applies them
#   /usr/share/berth/berth.openapi.json        the API (berth-fcgi also serves it: GET /openapi.json)
#   /usr/share/doc/berth/                      README.md, nginx.conf.example

doc_DATA = README.md nginx.conf.example

# The example configuration, with this build's berth-agent path as the [agent] binary default.
berthconfdir = $(sysconfdir)/berth

# systemd units (conf/*.service name /usr/local/bin and /etc/berth, the default install's paths;
# installed with $(bindir) and $(sysconfdir)/berth instead). A unit is one more word here, e.g.
# conf/berth-reconcile.service. The directory defaults to $(prefix)/lib/systemd/system, which
# systemd reads for /usr and /usr/local; override with `make install systemdsystemunitdir=DIR`.
SYSTEMD_UNITS = conf/berth-fcgi.service conf/berth-reconcile.service
systemdsystemunitdir = $(prefix)/lib/systemd/system

install-data-local: install-berth-conf
uninstall-local: uninstall-berth-conf
install-berth-conf:
	$(MKDIR_P) '$(DESTDIR)$(berthconfdir)' '$(DESTDIR)$(systemdsystemunitdir)'
	sed -e 's|^binary = /usr/local/libexec/berth/berth-agent$$|binary = $(pkglibexecdir)/berth-agent|' \
		'$(srcdir)/conf/berth.conf.example' >'$(DESTDIR)$(berthconfdir)/berth.conf.example.tmp'
	mv '$(DESTDIR)$(berthconfdir)/berth.conf.example.tmp' '$(DESTDIR)$(berthconfdir)/berth.conf.example'
	chmod 644 '$(DESTDIR)$(berthconfdir)/berth.conf.example'
	for u in $(SYSTEMD_UNITS); do \
		dest='$(DESTDIR)$(systemdsystemunitdir)'/$$(basename "$$u"); \
		sed -e 's|/usr/local/bin/|$(bindir)/|g' -e 's|/etc/berth/|$(sysconfdir)/berth/|g' \
			"$(srcdir)/$$u" >"$$dest.tmp" && chmod 644 "$$dest.tmp" && mv "$$dest.tmp" "$$dest" || exit 1; \
	done
uninstall-berth-conf:
	rm -f '$(DESTDIR)$(berthconfdir)/berth.conf.example'
	for u in $(SYSTEMD_UNITS); do rm -f '$(DESTDIR)$(systemdsystemunitdir)'/$$(basename "$$u"); done
.PHONY: install-berth-conf uninstall-berth-conf
