for w in alpha beta "gamma delta"; do echo "[$w]"; done
