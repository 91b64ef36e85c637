# bench/ctd.sh: the containerd client library against ctr (issue #3 §6), on a private containerd.
noinst_PROGRAMS += bench/ctd-bench
bench_ctd_bench_SOURCES = bench/ctd-bench.c
bench_ctd_bench_LDADD = $(BERTH_LINK)
EXTRA_DIST += bench/ctd.sh

# bench/reconcile.sh: berth-reconcile (issue #8): recovery against creates, CPU per relist, exit -> row latency.
EXTRA_DIST += bench/reconcile.sh
