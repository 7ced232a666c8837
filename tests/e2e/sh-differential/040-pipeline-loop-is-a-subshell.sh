n=0
printf "a\nb\nc\n" | while read -r line; do n=$((n + 1)); done
echo "n=$n"
