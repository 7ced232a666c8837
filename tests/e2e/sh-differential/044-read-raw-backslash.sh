printf "a\\tb\n" > f
read -r x < f
echo "$x"
read y < f
echo "$y"
