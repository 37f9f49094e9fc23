# Line styles shared by every template (`load 'styles.gp'`; pmlab puts this folder on gnuplot's
# loadpath): 12 colours, then the same 12 dashed with another point type, so that 24 series (one
# per reclamation backend, allocator or parameter value) are told apart; gnuplot's own cycle has
# only 8 colours. tests/harness checks that the 24 (colour, dash) pairs are distinct.
set linetype 1 lc rgb '#1f77b4' dt 1 pt 7
set linetype 2 lc rgb '#d62728' dt 1 pt 7
set linetype 3 lc rgb '#2ca02c' dt 1 pt 7
set linetype 4 lc rgb '#ff7f0e' dt 1 pt 7
set linetype 5 lc rgb '#9467bd' dt 1 pt 7
set linetype 6 lc rgb '#8c564b' dt 1 pt 7
set linetype 7 lc rgb '#e377c2' dt 1 pt 7
set linetype 8 lc rgb '#7f7f7f' dt 1 pt 7
set linetype 9 lc rgb '#bcbd22' dt 1 pt 7
set linetype 10 lc rgb '#17becf' dt 1 pt 7
set linetype 11 lc rgb '#000000' dt 1 pt 7
set linetype 12 lc rgb '#ffbb00' dt 1 pt 7
set linetype 13 lc rgb '#1f77b4' dt 2 pt 5
set linetype 14 lc rgb '#d62728' dt 2 pt 5
set linetype 15 lc rgb '#2ca02c' dt 2 pt 5
set linetype 16 lc rgb '#ff7f0e' dt 2 pt 5
set linetype 17 lc rgb '#9467bd' dt 2 pt 5
set linetype 18 lc rgb '#8c564b' dt 2 pt 5
set linetype 19 lc rgb '#e377c2' dt 2 pt 5
set linetype 20 lc rgb '#7f7f7f' dt 2 pt 5
set linetype 21 lc rgb '#bcbd22' dt 2 pt 5
set linetype 22 lc rgb '#17becf' dt 2 pt 5
set linetype 23 lc rgb '#000000' dt 2 pt 5
set linetype 24 lc rgb '#ffbb00' dt 2 pt 5
set linetype cycle 24
