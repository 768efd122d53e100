# plots/latency.gp - two panels: p99 IPI latency and p99 guest lock wait
# (worst VM of each run), against overcommit.
load plotdir.'/common.gp'
set multiplot layout 1,2 title sprintf('Tail latencies, worst VM of each run (%s)', source)
set title 'IPI latency p99'
set ylabel 'ipi_lat_p99_us (us)'
set yrange [0:*]
plot for [i=1:nvar] datafile index (i-1) \
     using (column(c_oc)):(column(c_ipi)):(column(c_ipi+1)) title label(i) lw 2
set title 'Guest lock wait p99'
set ylabel 'lock_wait_p99_us (us)'
plot for [i=1:nvar] datafile index (i-1) \
     using (column(c_oc)):(column(c_lock)):(column(c_lock+1)) title label(i) lw 2
unset multiplot
