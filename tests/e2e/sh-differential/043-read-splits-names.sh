printf "one two three four\n" > f
read a b c < f
echo "[$a][$b][$c]"
