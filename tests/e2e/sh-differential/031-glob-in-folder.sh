mkdir -p d/e
touch d/x.md d/y.md d/e/z.md
echo d/*.md
echo */*.md
