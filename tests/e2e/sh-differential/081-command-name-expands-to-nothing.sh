$(exit 42)
echo "status $?"
e=
$e
echo "empty name $?"
false
$e
echo "after false $?"
$e echo next word is the name
x=$(exit 3) $(exit 5)
echo "assignment last $? x=$x"
y=1 $e
echo "y=$y"
$e > made.txt
ls made.txt
$(echo echo) split into words
$(printf 'echo') "one arg" | tr a-z A-Z
