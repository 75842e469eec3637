package hunt

import (
	"errors"
	"fmt"
	"unsafe"

	"tocsin/internal/event"
	"tocsin/internal/input"
	"tocsin/internal/parse/jsonlog"
	"tocsin/internal/winlog"
)

// decoder turns a record into an event according to its file's format.
// One per worker: it reuses its parser's memory.
type decoder struct {
	json *jsonlog.Decoder
	win  *winlog.Mapper
}

func newDecoder(win *winlog.Mapper) *decoder {
	return &decoder{json: jsonlog.NewDecoder(), win: win}
}

// decode fills ev from data. Strings in ev may point into data, which stays
// valid while the batch is processed; Clone copies them for longer.
func (d *decoder) decode(data []byte, format input.Format, ev *event.Event) error {
	switch format {
	case input.FormatJSONL, input.FormatEvtxJSON:
		// A timestamp that does not parse leaves the event without a
		// time; the rest of it is still worth matching.
		if err := d.json.Decode(data, ev); err != nil && !errors.Is(err, jsonlog.ErrTimestamp) {
			return err
		}
		d.win.Apply(ev)
		return nil
	case input.FormatLines, "":
		ev.Message = bytesString(data)
		ev.HasMessage = true
		return nil
	case input.FormatBinary:
		return fmt.Errorf("binary data")
	}
	return fmt.Errorf("unknown format %q", format)
}

func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
