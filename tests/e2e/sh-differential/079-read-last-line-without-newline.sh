printf 'a\nb' | while read x || [ -n "$x" ]; do echo "line: $x"; done
printf 'a\nb' | while read x; do echo "only: $x"; done
printf 'a\nb' | while read x; r=$?; echo "status $r value [$x]"; [ -n "$x" ]; do :; done
printf 'last' > f
read y < f
echo "status $? value $y"
