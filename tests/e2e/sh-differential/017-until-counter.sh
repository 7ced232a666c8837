n=10
until [ $n -le 7 ]; do
  echo $n
  n=$((n - 1))
done
