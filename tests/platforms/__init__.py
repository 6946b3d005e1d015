"""The buildpack as each platform calls it: bin/detect, Heroku CI's bin/test-compile,
bin/test and bin/report, Dokku's herokuish, the stack images (in a stand-in
of each Scalingo stack) and the private tarball `make package` makes."""
