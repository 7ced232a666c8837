touch a.txt
x=*.txt
echo "$x"
