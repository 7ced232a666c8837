i=0
until false; do
  i=$((i + 2))
  [ $i -gt 6 ] && break
done
echo $i
