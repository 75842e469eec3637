package cli

import (
	"context"
	"fmt"
)

// runBreach is replaced by the breach commands.
func runBreach(ctx context.Context, args []string, s Streams) int {
	fmt.Fprintln(s.Err, "tocsin breach: not built yet")
	return 2
}
