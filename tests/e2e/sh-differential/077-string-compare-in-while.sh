s=a
while [ "$s" != aaaa ]; do s="${s}a"; done
echo $s
