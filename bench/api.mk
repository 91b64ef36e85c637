# fragment: issue #4 API benchmark (see Makefile.am). bench/api.sh: the API's create+start through
# nginx against `ctr run -d` plus a direct CNI ADD of the same configuration, and GET container
# under load (issue #4 §8). api-netconf prints the config one plugin of a conflist receives.
noinst_PROGRAMS += bench/api-netconf
bench_api_netconf_SOURCES = bench/api-netconf.c
bench_api_netconf_LDADD = $(JANSSON_LIBS)
EXTRA_DIST += bench/api.sh
