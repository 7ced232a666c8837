if true; then
  if false; then echo inner; else echo inner-else; fi
  echo outer
fi
