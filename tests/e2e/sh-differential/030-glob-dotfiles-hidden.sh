touch .hidden shown
echo *
echo .h*
