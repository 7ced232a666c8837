if true; then echo inside; fi > out
cat out
