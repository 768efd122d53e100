# plots/fairness.gp - two panels: Jain's index over VMs of share/entitlement,
# and the worst VM's share/entitlement, against overcommit.
load plotdir.'/common.gp'
set multiplot layout 1,2 title sprintf('Fairness between VMs (%s)', source)
set key bottom right
set title "Jain's index over VMs (share / entitlement)"
set ylabel 'jain_vms (1 = fair)'
set yrange [0:1.05]
plot for [i=1:nvar] datafile index (i-1) \
     using (column(c_oc)):(column(c_jain)):(column(c_jain+1)) title label(i) lw 2
set title 'Worst VM: share / entitlement'
set ylabel 'worst_vm_share_vs_entitlement'
set yrange [0:*]
plot for [i=1:nvar] datafile index (i-1) \
     using (column(c_oc)):(column(c_worst)):(column(c_worst+1)) title label(i) lw 2
unset multiplot
