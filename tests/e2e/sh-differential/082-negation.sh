echo hello > file
! grep -q x file
echo "absent $?"
! grep -q hello file
echo "present $?"
if ! grep -q x file; then echo "no x"; else echo "x"; fi
n=0
while ! [ $n -ge 3 ]; do n=$((n + 1)); done
echo "n=$n"
! false && echo "and-list"
! true || echo "or-list"
set -e
! true
! false
echo "set -e ignores negated pipelines"
