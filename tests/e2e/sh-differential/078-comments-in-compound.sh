for i in 1 2; do # loop
  # a comment line
  echo $i # trailing
done
