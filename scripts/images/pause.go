// The pod sandbox's pause process for the local real-node cluster: holds the pod's namespaces, reaps the
// zombies it inherits as PID 1 of a shared PID namespace, and exits on SIGINT/SIGTERM. The upstream pause
// image comes from a remote registry; this one is built locally (scripts/images.sh).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
