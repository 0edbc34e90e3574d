package motoserver

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
