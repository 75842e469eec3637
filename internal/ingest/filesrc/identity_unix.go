//go:build unix

package filesrc

import (
	"os"
	"syscall"
)

// fileID is a file's identity: it survives a rename and changes when a
// new file takes the name.
type fileID struct{ dev, ino uint64 }

func identity(fi os.FileInfo, path string) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		// Dev is int32 on some systems.
		return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}
	}
	return fileID{ino: pathHash(path)}
}
