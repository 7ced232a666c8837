x=5
echo "x is $x"
y=$x
echo $y
