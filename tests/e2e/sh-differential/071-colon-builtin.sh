:
echo $?
: ignored arguments
echo $?
