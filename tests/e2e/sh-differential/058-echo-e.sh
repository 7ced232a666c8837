echo -e "tab\there" "nl\nx"
