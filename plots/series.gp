# One time series (series/*.csv) over time, one line per configuration.
# Variables: datafile, outbase, nblocks, titles, ylab, ttl. datafile blocks: t_s value
if (!exists("datafile")) datafile = 'series.dat'
if (!exists("outbase")) outbase = 'series'
if (!exists("nblocks")) nblocks = 1
if (!exists("titles")) titles = ''
if (!exists("ylab")) ylab = 'value'
if (!exists("ttl")) ttl = 'series over time'
load 'styles.gp'  # the shared line styles (24 distinct series)

set title ttl
set xlabel 'time since the start of measurement (s)'
set ylabel ylab
if (ylab eq 'pending_bytes') { set ylabel 'pending reclamation (bytes)'; set format y '%.1s%cB' }
if (ylab eq 'pending') { set ylabel 'pending reclamation (retired - freed objects)' }
set grid
set key outside right top
set yrange [0:*]

do for [fmt in 'png svg'] {
    if (fmt eq 'png') { set terminal pngcairo size 1000,560 noenhanced font ',10' } else { set terminal svg size 1000,560 noenhanced }
    set output outbase . '.' . fmt
    plot for [i=0:nblocks-1] datafile index i using 1:2 with lines lw 2 title word(titles, i+1)
    unset output
}
