set -e
if false; then echo no; fi
while false; do :; done
false || echo recovered
echo still-running
