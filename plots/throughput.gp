# plots/throughput.gp - ops_per_s_per_vm against overcommit, one line per
# variant, mean with +-sd bars over the runs (seeds).
load plotdir.'/common.gp'
set title sprintf('Throughput per VM: mean and standard deviation over seeds (%s)', source)
set ylabel 'ops/s per VM'
set yrange [0:*]
plot for [i=1:nvar] datafile index (i-1) \
     using (column(c_oc)):(column(c_ops)):(column(c_ops+1)) title label(i) lw 2
