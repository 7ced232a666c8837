set -- one two "three four"
for arg; do echo "<$arg>"; done
