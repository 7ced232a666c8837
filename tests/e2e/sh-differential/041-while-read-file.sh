printf "1\n2\n3\n" > list
while read -r x; do echo "got $x"; done < list
