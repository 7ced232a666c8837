set -- x "y z" w
echo $#
for a in "$@"; do echo "<$a>"; done
