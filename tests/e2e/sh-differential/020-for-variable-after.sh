for x in a b c; do :; done
echo "last $x"
