printf "" > f
if read x < f; then echo got; else echo "eof $?"; fi
