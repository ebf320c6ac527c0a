// Package stdio keeps a program's standard output for its own result lines.
//
// shmipc-go's internal loggers write to the process's file descriptor 1, captured
// when the package initialises, so they cannot be redirected through its Config.
// Tests read our stdout line by line (READY, a JSON summary), so we move the
// library's output to stderr at the file descriptor level and keep a private
// duplicate of the original stdout for ourselves.
package stdio

import (
	"fmt"
	"os"
	"syscall"
)

// ReserveStdout points file descriptor 1 at stderr and returns a file that
// writes to what stdout was before the call.
func ReserveStdout() (*os.File, error) {
	saved, err := syscall.Dup(1)
	if err != nil {
		return nil, fmt.Errorf("dup stdout: %w", err)
	}
	if err := syscall.Dup3(2, 1, 0); err != nil {
		_ = syscall.Close(saved)
		return nil, fmt.Errorf("redirect stdout to stderr: %w", err)
	}
	syscall.CloseOnExec(saved)
	return os.NewFile(uintptr(saved), "stdout"), nil
}
