a=3
b=4
echo $((a * b)) $(($a + $b)) $((a+b*2))
