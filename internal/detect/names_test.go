package detect

import (
	"fmt"
	"testing"
)

func TestNameTable(t *testing.T) {
	var many []string
	for i := range 100 {
		many = append(many, fmt.Sprintf("Event.EventData.Field%03d", i))
	}
	tests := []struct {
		name   string
		fields []string
		absent []string
	}{
		{"one field", []string{"Image"}, []string{"", "image", "Imagf", "ParentImage", "I"}},
		// Same length, last and middle bytes as a field: the same tag.
		{"same tag, other name", []string{"CommandLine", "Image"}, []string{"CxmmxndLine", "Ixaxe"}},
		{"a hundred fields, probes wrap", many, []string{"Event.EventData.Field100", "Event.EventData.Field0000"}},
		{"dotted and plain names", []string{"Event.EventData.Image", "Image", "winlog.event_data.Image"}, []string{"event_data.Image", "Event.EventData.image"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plans := make([]fieldPlan, len(tt.fields))
			for k, f := range tt.fields {
				plans[k].field = f
			}
			nt := newNameTable(plans)
			for k, f := range tt.fields {
				if got := nt.find(f, plans); got != k {
					t.Errorf("find(%q) = %d, want %d", f, got, k)
				}
			}
			for _, f := range tt.absent {
				if got := nt.find(f, plans); got != -1 {
					t.Errorf("find(%q) = %d (%q), want -1", f, got, plans[got].field)
				}
			}
		})
	}
}
