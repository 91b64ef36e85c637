# fragment: issue #4 integration tests (see Makefile.am)
