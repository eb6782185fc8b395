#!/bin/sh
# The shell idiom ctsleuth is measured against: count entries by original
# source address over one or more `conntrack -L` listings, most first.
# Run with Debian's default awk (mawk); name the awk when quoting figures.
awk '{for(i=1;i<=NF;i++) if(substr($i,1,4)=="src="){c[substr($i,5)]++; break}} END{for(k in c) print c[k], k}' "$@" | sort -rn | head
