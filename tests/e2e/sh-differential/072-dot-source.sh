echo 'echo sourced; Y=2' > lib.sh
. ./lib.sh
echo "Y=$Y"
