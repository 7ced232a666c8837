for i in 1 2 3; do echo "row $i"; done > out.txt
cat out.txt
