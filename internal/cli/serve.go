package cli

import (
	"context"
	"fmt"
)

func runServe(ctx context.Context, args []string, s Streams) int {
	fmt.Fprintln(s.Err, "tocsin serve: not built yet")
	return 2
}

func runConfig(ctx context.Context, args []string, s Streams) int {
	fmt.Fprintln(s.Err, "tocsin config: not built yet")
	return 2
}
