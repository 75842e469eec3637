package detect

// nameTable finds a bucket's field plan by field name. The prefilter goes
// through an event's fields once and looks each name up here, instead of
// looking each plan's field up in the event's map: a name is first
// compared by a tag (its length, last and middle bytes) in a table that
// is at most a quarter full, and only a tag that matches costs a string
// comparison, so the many fields no rule reads cost a few loads each.
type nameTable struct {
	slots []nameSlot // len is a power of two
}

type nameSlot struct {
	tag  uint32 // 0: empty
	plan int32
}

func nameTag(s string) uint32 {
	n := len(s)
	return uint32(n)<<16 | uint32(s[n-1])<<8 | uint32(s[n/2])
}

func (t *nameTable) home(tag uint32) int {
	return int((tag * 0x9e3779b1) >> 16 & uint32(len(t.slots)-1))
}

func newNameTable(plans []fieldPlan) nameTable {
	size := 16
	for size < 4*len(plans) {
		size *= 2
	}
	t := nameTable{slots: make([]nameSlot, size)}
	for k := range plans {
		tag := nameTag(plans[k].field)
		i := t.home(tag)
		for t.slots[i].tag != 0 {
			i = (i + 1) & (size - 1)
		}
		t.slots[i] = nameSlot{tag: tag, plan: int32(k)}
	}
	return t
}

// find returns the index in plans of the plan for field name, or -1.
func (t *nameTable) find(name string, plans []fieldPlan) int {
	if name == "" {
		return -1
	}
	tag := nameTag(name)
	for i := t.home(tag); ; i = (i + 1) & (len(t.slots) - 1) {
		sl := t.slots[i]
		if sl.tag == 0 {
			return -1
		}
		if sl.tag == tag && plans[sl.plan].field == name {
			return int(sl.plan)
		}
	}
}
