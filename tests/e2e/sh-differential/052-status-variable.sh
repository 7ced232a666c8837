false
echo $?
true
echo $?
