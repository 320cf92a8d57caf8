# SPDX-License-Identifier: GPL-2.0
# Live step of `make bench`: packets per second each receiver drops, median
# of the rounds with the min-max range. bench/report.py calls it with
#   gnuplot -e "datafile='live.dat'; outfile='live.png'; plottitle='...'" bench/plot.gp
# live.dat: "label" median min max, one receiver per line, in Mpps.
set terminal pngcairo size 900,420 font "sans,10" noenhanced
set output outfile
set title plottitle
set style fill solid 0.7 border -1
set boxwidth 0.6
set yrange [0:*]
set ylabel "dropped, Mpps (median; bars: min-max)"
set xtics rotate by -20 left nomirror
set grid ytics
set key off
set offsets 0.5, 0.5, 0, 0
plot datafile using 0:2:xtic(1) with boxes lc rgb "#4e79a7", \
     '' using 0:2:3:4 with yerrorbars lc rgb "black" pt -1, \
     '' using 0:2:(sprintf("%.2f", $2)) with labels offset 0,1.2
