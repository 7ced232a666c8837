for w in $(echo "a b"; echo c); do echo "w=$w"; done
