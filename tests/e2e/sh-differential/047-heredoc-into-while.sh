while read -r l; do echo "line: $l"; done << EOF
first
second
EOF
