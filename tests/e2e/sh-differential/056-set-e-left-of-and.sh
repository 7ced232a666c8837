set -e
false && echo no
echo "goes on"
