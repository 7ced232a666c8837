if false; true; then echo "last one counts"; fi
