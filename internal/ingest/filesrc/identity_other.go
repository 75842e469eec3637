//go:build !unix

package filesrc

import "os"

// fileID is a file's identity. Without inodes it is the path: a rotation
// by rename is then seen only as a truncation.
type fileID struct{ dev, ino uint64 }

func identity(_ os.FileInfo, path string) fileID { return fileID{ino: pathHash(path)} }
