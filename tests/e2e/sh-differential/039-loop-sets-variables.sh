total=0
for n in 1 2 3 4; do total=$((total + n)); done
echo "total $total"
