# plots/yield.gp - two panels: kvm_vcpu_yield_to() calls and PAUSE-loop
# exits per run, against overcommit.
load plotdir.'/common.gp'
set multiplot layout 1,2 title sprintf('Directed yield (%s)', source)
set title 'kvm_vcpu_yield_to() calls per run'
set ylabel 'yield_to_calls'
set yrange [0:*]
plot for [i=1:nvar] datafile index (i-1) \
     using (column(c_oc)):(column(c_yield)):(column(c_yield+1)) title label(i) lw 2
set title 'PAUSE-loop exits per run'
set ylabel 'ple_exits'
plot for [i=1:nvar] datafile index (i-1) \
     using (column(c_oc)):(column(c_ple)):(column(c_ple+1)) title label(i) lw 2
unset multiplot
