if false; then echo never; fi
echo "status $?"
