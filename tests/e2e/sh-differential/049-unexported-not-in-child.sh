LOCAL=secret
sh -c 'echo "child sees [$LOCAL]"'
