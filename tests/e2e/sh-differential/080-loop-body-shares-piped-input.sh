printf 'a\nb\nc\n' | while read f; do /bin/true; echo "$f"; done
printf '1\n2\n3\n' | while read a; do echo "a=$a"; cat > /dev/null; done
while read a; do echo "doc=$a"; cat > /dev/null; done << EOF
1
2
3
EOF
yes | while read y; do echo "$y"; break; done
echo done
