# bench/http.sh: Berth's authenticated database route against a hello-world FastCGI responder
# behind the same nginx (issue #2 §9).
noinst_PROGRAMS += bench/hello-fcgi
bench_hello_fcgi_SOURCES = bench/hello-fcgi.c
bench_hello_fcgi_LDADD = $(FCGI_LIBS)
EXTRA_DIST += bench/http.sh bench/lib.sh
# What recording one request in the shared metrics table costs (printed by bench/http.sh).
noinst_PROGRAMS += bench/metrics-cost
bench_metrics_cost_SOURCES = bench/metrics-cost.c
bench_metrics_cost_LDADD = $(BERTH_LINK)
