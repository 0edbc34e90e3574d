package motoserver

import "syscall"

func sysProcAttr() *syscall.SysProcAttr {
	// Pdeathsig: if the parent (a test binary or the sandbox) dies, so does moto.
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
