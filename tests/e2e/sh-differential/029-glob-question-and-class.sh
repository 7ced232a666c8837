touch a1 a2 b1 ab
echo a? [ab]1 [!a]1
