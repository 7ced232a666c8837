touch a.txt
echo "*.txt" '*.txt' \*.txt
