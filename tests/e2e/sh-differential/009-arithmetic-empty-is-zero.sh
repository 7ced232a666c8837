empty=
echo $((empty + 1)) $((unset_name * 2))
