V=1
export V
sh -c 'echo $V'
V=2
sh -c 'echo $V'
