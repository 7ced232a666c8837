x=$(echo hi there)
echo "$x"
