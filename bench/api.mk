# fragment: issue #4 API benchmark (see Makefile.am)
