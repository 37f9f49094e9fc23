# Latency CDFs from the percentile ladders (hist/*.csv), one line per series, log x.
# Variables: datafile, outbase, nblocks, titles, ttl. datafile blocks: value_ns percentile
if (!exists("datafile")) datafile = 'latency_cdf.dat'
if (!exists("outbase")) outbase = 'latency_cdf'
if (!exists("nblocks")) nblocks = 1
if (!exists("titles")) titles = ''
if (!exists("ttl")) ttl = 'latency CDF'
load 'styles.gp'  # the shared line styles (24 distinct series)

set title ttl
set logscale x 10
set xlabel 'latency (ns, log scale)'
set ylabel 'percentile (%)'
set yrange [0:100.5]
set ytics 10
set grid
set key outside right top

do for [fmt in 'png svg'] {
    if (fmt eq 'png') { set terminal pngcairo size 1000,560 noenhanced font ',10' } else { set terminal svg size 1000,560 noenhanced }
    set output outbase . '.' . fmt
    plot for [i=0:nblocks-1] datafile index i using 1:2 with steps lw 2 title word(titles, i+1)
    unset output
}
