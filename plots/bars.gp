# Clustered bars: one row per category, one bar per column. Used by the reproduction report for
# bytes per key (pathmap vs peers) and the allocator comparison.
# Variables: datafile, outbase, ncols (value columns after the label), ttl, ylab, logy (0/1).
# datafile: a header line "label col1 col2 ..." then one line per category.
if (!exists("datafile")) datafile = 'bars.dat'
if (!exists("outbase")) outbase = 'bars'
if (!exists("ncols")) ncols = 1
if (!exists("ttl")) ttl = ''
if (!exists("ylab")) ylab = ''
if (!exists("logy")) logy = 0
load 'styles.gp'  # the shared line styles (24 distinct series)

set title ttl
set ylabel ylab
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -25 nomirror
set grid ytics
set key outside right top autotitle columnheader
if (logy) { set logscale y 10 } else { set yrange [0:*] }
set format y '%.3g'

do for [fmt in 'png svg'] {
    if (fmt eq 'png') { set terminal pngcairo size 1000,560 noenhanced font ',10' } else { set terminal svg size 1000,560 noenhanced }
    set output outbase . '.' . fmt
    plot for [c=2:ncols+1] datafile using c:xtic(1)
    unset output
}
