# Throughput vs threads, one line per backend/allocator, error bars = min..max over trials,
# oversubscribed region (threads > online CPUs) shaded.
# Variables set by pmlab (gnuplot -e): datafile, outbase, online, nblocks, titles.
# datafile blocks (separated by two blank lines): threads median min max
if (!exists("datafile")) datafile = 'throughput.dat'
if (!exists("outbase")) outbase = 'throughput'
if (!exists("online")) online = 1
if (!exists("nblocks")) nblocks = 1
if (!exists("titles")) titles = ''

stats datafile using 1 nooutput
xmax = STATS_max + 0.5
set xrange [0.5:xmax]
set xlabel 'threads'
set ylabel 'operations per second (median, min-max)'
set key outside right top
set grid
set yrange [0:*]
set object 1 rect from online + 0.5, graph 0 to xmax, graph 1 fc rgb '#eeeeee' fs solid noborder behind
set label 1 'oversubscribed' at online + 0.6, graph 0.95 tc rgb '#888888'

do for [fmt in 'png svg'] {
    if (fmt eq 'png') { set terminal pngcairo size 900,540 noenhanced } else { set terminal svg size 900,540 noenhanced }
    set output outbase . '.' . fmt
    plot for [i=0:nblocks-1] datafile index i using 1:2:3:4 with yerrorlines lw 2 title word(titles, i+1)
    unset output
}
