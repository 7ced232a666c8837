if false; then :; fi && echo ok
for x in a; do false; done || echo failed
