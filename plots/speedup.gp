# plots/speedup.gp - speed-up of ops_per_s_per_vm against the baseline
# variant at the same overcommit (1 = as fast as the baseline).
load plotdir.'/common.gp'
set title sprintf('Speed-up of ops/s per VM against %s (%s)', baseline, source)
set ylabel sprintf('ops/s per VM / that of %s', baseline)
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 lc rgb 'gray40'
plot for [i=1:nvar] datafile index (i-1) \
     using (column(c_oc)):(column(c_speedup)):(column(c_speedup+1)) title label(i) lw 2
