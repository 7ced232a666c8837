echo if then else fi do done for while until in
