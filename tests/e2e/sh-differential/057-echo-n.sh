echo -n "no newline"
echo " then newline"
