# Speedup (with the ideal line y = T) and efficiency (ideal 1) vs threads, oversubscribed shaded.
# Variables: datafile, outbase, online, nblocks, titles, maxthr, ttl.
# datafile blocks: threads speedup speedup_min speedup_max efficiency
if (!exists("datafile")) datafile = 'speedup.dat'
if (!exists("outbase")) outbase = 'speedup'
if (!exists("online")) online = 1
if (!exists("nblocks")) nblocks = 1
if (!exists("titles")) titles = ''
if (!exists("maxthr")) maxthr = 2
if (!exists("ttl")) ttl = 'speedup and efficiency'
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
set grid
set key outside right top
if (shade < xhi) {
    set object 1 rect from shade, graph 0 to xhi, graph 1 fc rgb '#e8e8e8' fs solid noborder behind
}

do for [fmt in 'png svg'] {
    if (fmt eq 'png') { set terminal pngcairo size 1000,760 noenhanced font ',10' } else { set terminal svg size 1000,760 noenhanced }
    set output outbase . '.' . fmt
    set multiplot layout 2,1 title ttl
    set ylabel 'speedup (x, vs 1 thread)'
    set xlabel ''
    set yrange [0:*]
    plot for [i=0:nblocks-1] datafile index i using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.6 title word(titles, i+1), \
         x with lines lc rgb '#555555' dt 2 title 'ideal (y = T)'
    set ylabel 'efficiency (speedup / T)'
    set xlabel 'threads'
    set yrange [0:1.3]
    plot for [i=0:nblocks-1] datafile index i using 1:5 with linespoints lw 2 pt 7 ps 0.6 title word(titles, i+1), \
         1 with lines lc rgb '#555555' dt 2 title 'ideal (1)'
    unset multiplot
    unset output
}
