touch one.log two.log
ls *.log
