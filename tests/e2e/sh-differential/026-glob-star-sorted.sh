touch b.txt a.txt c.md B.txt
for f in *.txt; do echo $f; done
