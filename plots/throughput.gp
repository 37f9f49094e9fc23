# Throughput vs threads, one line per series (backend / allocator / swept parameter), error bars
# = min..max over trials, oversubscribed region (threads > online CPUs) shaded.
# Variables set by pmlab (gnuplot -e): datafile, outbase, online, nblocks, titles, maxthr, ttl.
# datafile blocks (separated by two blank lines): threads median min max
if (!exists("datafile")) datafile = 'throughput.dat'
if (!exists("outbase")) outbase = 'throughput'
if (!exists("online")) online = 1
if (!exists("nblocks")) nblocks = 1
if (!exists("titles")) titles = ''
if (!exists("maxthr")) maxthr = 2
if (!exists("ttl")) ttl = 'throughput vs threads'
load 'styles.gp'  # the shared line styles (24 distinct series)

if (maxthr > 8) {
    set logscale x 2
    xlo = 0.8; xhi = maxthr * 1.25; shade = online * 1.41
} else {
    xlo = 0.5; xhi = maxthr + 0.5; shade = online + 0.5
}
set xrange [xlo:xhi]
set xtics 1
if (maxthr > 8) { set xtics 2 }
set title ttl
set xlabel 'threads'
set ylabel 'operations per second'
set format y '%.2s%c'
set key outside right top
set grid
set yrange [0:*]
if (shade < xhi) {
    set object 1 rect from shade, graph 0 to xhi, graph 1 fc rgb '#e8e8e8' fs solid noborder behind
    set label 1 'oversubscribed' at shade, graph 0.97 offset 0.5,0 tc rgb '#777777'
}

do for [fmt in 'png svg'] {
    if (fmt eq 'png') { set terminal pngcairo size 1000,560 noenhanced font ',10' } else { set terminal svg size 1000,560 noenhanced }
    set output outbase . '.' . fmt
    plot for [i=0:nblocks-1] datafile index i using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.6 title word(titles, i+1)
    unset output
}
