# plots/common.gp - loaded first by every plot script: terminal, data format,
# column numbers of the aggregate file, common style.  See README.md.
#
# Variables that "vsched plot" sets with -e before running a script:
#   datafile   the aggregate file (STEM.agg.tsv)
#   outfile    the image to write
#   term       'pngcairo' or 'svg'
#   plotdir    this directory
#   source     the result file's name (for titles)
#   baseline   the baseline variant's label
#   nvar       number of variants; label1 .. labelN their labels, in the
#              order of the data blocks (index 0 .. nvar-1)

set datafile separator "\t"
set datafile missing "NaN"
if (term eq 'svg') {
    set terminal svg size 1000,620 dynamic noenhanced font 'sans,12' background rgb 'white'
} else {
    set terminal pngcairo size 1280,800 noenhanced font 'sans,11' background rgb 'white'
}
set output outfile

label(i) = value(sprintf('label%d', i))

# Columns of the aggregate file (src/cli/cmd_plot.c writes them in this order).
c_oc = 3          # overcommit
c_runs = 4        # runs in the group
c_ops = 5         # ops_per_s_per_vm_mean; every *_mean is followed by its *_sd
c_speedup = 7     # speedup_mean, speedup_sd
c_jain = 9        # jain_vms
c_worst = 11      # worst_vm_share_vs_entitlement
c_yield = 13      # yield_to_calls
c_ple = 15        # ple_exits
c_ipi = 17        # ipi_lat_p99_us
c_lock = 19       # lock_wait_p99_us

set grid
set key top right box opaque
set xlabel 'overcommit (vCPUs per host CPU)'
set offsets graph 0.04, graph 0.04, 0, 0
set style data yerrorlines
set pointsize 1.2
set bars small
