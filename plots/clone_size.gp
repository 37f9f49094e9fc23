# ns per clone (and per drop) vs map size, log x: O(1) clone is a flat line.
# Variables: datafile, outbase, ttl. datafile: map_keys clone_med clone_min clone_max drop_med drop_min drop_max
if (!exists("datafile")) datafile = 'clone_size.dat'
if (!exists("outbase")) outbase = 'clone_size'
if (!exists("ttl")) ttl = 'clone cost vs map size'
load 'styles.gp'  # the shared line styles (24 distinct series)

set title ttl
set logscale x 10
set xlabel 'map size (keys, log scale)'
set ylabel 'ns per operation (median, bars min-max)'
set yrange [0:*]
set offsets graph 0.05, graph 0.05, 0, 0
set grid
set key outside right top

do for [fmt in 'png svg'] {
    if (fmt eq 'png') { set terminal pngcairo size 1000,560 noenhanced font ',10' } else { set terminal svg size 1000,560 noenhanced }
    set output outbase . '.' . fmt
    plot datafile using 1:2:3:4 with yerrorlines lw 2 pt 7 title 'pm_map_clone', \
         datafile using 1:5:6:7 with yerrorlines lw 2 pt 5 title 'pm_map_free (not last ref)'
    unset output
}
