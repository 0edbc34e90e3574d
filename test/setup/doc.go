// Package setup tests scripts/setup.sh, which installs what gatehouse's demo
// and tests need beyond Go. The tests run the script on a PATH of stand-ins
// (a python3 and an AWS CLI that behave as a fresh Debian 12 machine's do,
// apt-get, id, sudo) and check what it decides, installs and says, without
// the network and without touching the machine.
package setup
