printf "x y\nz w\n" | while read -r a b; do echo "$b-$a"; done
