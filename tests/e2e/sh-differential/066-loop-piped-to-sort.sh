for i in 1 3 2; do echo $i; done | sort -r
