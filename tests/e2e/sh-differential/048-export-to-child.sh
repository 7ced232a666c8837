export GREETING=hello
sh -c 'echo "child sees $GREETING"'
