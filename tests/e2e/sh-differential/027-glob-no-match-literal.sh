echo *.nomatch
echo no?such[x]
