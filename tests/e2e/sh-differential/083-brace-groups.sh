{ echo a; echo b; } > f
cat f
{ echo c; echo d; } | tr a-z A-Z
{
  echo one
  echo two
} | wc -l
n=0
{ n=5; }
echo "n=$n"
{ echo e; false; }
echo "status $?"
{ read x; read y; } << XEOF
1
2
XEOF
echo "$x $y"
printf 'p\nq\n' | { read a; read b; echo "$b$a"; }
{ echo to-stderr >&2; } 2> err
cat err
{ { echo nested; }; echo "}"; } >> f
tail -2 f
