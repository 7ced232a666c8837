NAME=temp sh -c 'echo "child: $NAME"'
echo "shell: [$NAME]"
