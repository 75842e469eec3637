package breach

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/pii"
)

// memoTable writes a table whose personal columns repeat their values:
// few surnames and first names, some with spaces around them, empty or
// holding what is no name; communes; a phone number shared by many rows;
// e-mail addresses on half the rows only, so that the other half's people
// are told by name and date of birth; and names in Windows-1252, recoded.
func memoTable(t *testing.T, path string, rows int) {
	t.Helper()
	r := rand.New(rand.NewPCG(5, uint64(rows)))
	ids := corpus.Identities(3, 40)
	var b bytes.Buffer
	b.WriteString("nom;prénom;date_naissance;ville;téléphone;courriel\n")
	for i := range rows {
		id := ids[r.IntN(len(ids))]
		nom, prenom := id.Surname, ids[r.IntN(len(ids))].Given
		switch i % 50 {
		case 7:
			nom = "  " + nom + " "
		case 11:
			nom = ""
		case 13:
			nom = "voir dossier 12" // no name: scanned as text
		case 17:
			prenom = "H\xe9l\xe8ne" // Windows-1252
		case 19:
			prenom = "rappeler au " + id.Phone // no name, a phone in text
		}
		dob := fmt.Sprintf("%02d/%02d/19%02d", 1+r.IntN(3), 1+r.IntN(2), 60+r.IntN(3))
		phone := ""
		if i%3 == 0 {
			phone = ids[r.IntN(4)].Phone
		}
		mail := ""
		if i%2 == 0 {
			mail = fmt.Sprintf("p%d@exemple.fr", i)
		}
		fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s\n", nom, prenom, dob, []string{"Lyon", "Nantes", "Brest"}[r.IntN(3)], phone, mail)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestMemoScansAlike: the columns' memos change nothing of the findings,
// line by line, nor of the report: values, distinct values, records,
// people (told by name and date of birth on half the rows) and columns.
func TestMemoScansAlike(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clients.csv")
	memoTable(t, path, 20000)
	var found atomic.Int64
	scan := func(noMemo, rowByRow bool) (*Report, string) {
		var out bytes.Buffer
		found.Store(0)
		rep, err := Scan(context.Background(), Options{Paths: []string{path}, Workers: 1, Findings: &out, noMemo: noMemo, rowByRow: rowByRow, memoFound: &found, Now: func() time.Time { return time.Unix(0, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		rep.Scanned.Seconds = 0
		return rep, out.String()
	}
	wantRep, wantOut := scan(true, false)
	if found.Load() != 0 {
		t.Fatalf("%d values answered without memos", found.Load())
	}
	if wantRep.People.Count < 100 || !wantRep.People.Exact {
		t.Fatalf("%+v: too few people for a test", wantRep.People)
	}
	for _, rowByRow := range []bool{false, true} {
		rep, out := scan(false, rowByRow)
		// Surnames, first names, communes and the shared phone numbers
		// repeat: most of each trial is answered.
		if found.Load() < 3*memoTrial {
			t.Fatalf("the memos answered %d values of their trials", found.Load())
		}
		sameScans(t, "with memos", rep, out, "without", wantRep, wantOut)
	}
}

// TestMemoAnswers: a value met again is answered with the hash kept for
// it, and only once the column has looked at memoAfter values.
func TestMemoAnswers(t *testing.T) {
	var live int
	var m cellMemo
	for range memoAfter - 1 {
		if m.wanted(&live) {
			t.Fatal("a memo before memoAfter values")
		}
	}
	if !m.wanted(&live) || live != 1 {
		t.Fatal("no memo after memoAfter values")
	}
	slot, _, found := m.lookup(3)
	if found {
		t.Fatal("found in an empty table")
	}
	m.record(slot, 3, 42)
	if _, h, found := m.lookup(3); !found || h != 42 {
		t.Fatalf("lookup = %d, %v; want 42, true", h, found)
	}
	// A key of the same slot goes to the next.
	if _, _, found := m.lookup(3 + 2*memoSlots); found {
		t.Fatal("another key found")
	}
}

// TestMemoGrows: a table doubles as it fills, keeping what it held, up
// to memoSlots; full, it answers what it holds and keeps no more.
func TestMemoGrows(t *testing.T) {
	var live int
	m := cellMemo{seen: memoAfter}
	m.wanted(&live)
	if len(m.set.slots) != memoStart {
		t.Fatalf("%d slots at first, want %d", len(m.set.slots), memoStart)
	}
	key := func(i int) uint64 { return uint64(i)*0x9E3779B97F4A7C15 | 1 }
	for i := range memoFull + 10 {
		if slot, _, found := m.lookup(key(i)); !found {
			m.record(slot, key(i), uint64(i)+1)
		}
		if i%97 == 0 {
			// All values kept so far are still answered.
			for j := 0; j <= i && j < memoFull; j += 13 {
				if _, h, found := m.lookup(key(j)); !found || h != uint64(j)+1 {
					t.Fatalf("after %d values, value %d: %d, %v", i+1, j, h, found)
				}
			}
		}
	}
	if m.set.n != memoFull || len(m.set.slots) != memoSlots {
		t.Fatalf("%d values in %d slots, want %d in %d", m.set.n, len(m.set.slots), memoFull, memoSlots)
	}
	if slot, _, found := m.lookup(key(memoFull + 5)); found || slot != -1 {
		t.Fatalf("a value past a full table: slot %d, found %v", slot, found)
	}
}

// TestMemoGivesUp: a column whose values do not repeat (e-mail addresses)
// drops its table after memoTrial lookups; one whose values repeat keeps
// it.
func TestMemoGivesUp(t *testing.T) {
	var live int
	unique, repeated := cellMemo{seen: memoAfter}, cellMemo{seen: memoAfter}
	for i := range memoTrial {
		if !unique.wanted(&live) || !repeated.wanted(&live) {
			t.Fatalf("given up after %d lookups", i)
		}
		key := uint64(2*i + 1)
		slot, _, found := unique.lookup(key)
		if unique.count(found); !found {
			unique.record(slot, key, key)
		}
		key = uint64(2*(i%1000) + 1)
		slot, _, found = repeated.lookup(key)
		if repeated.count(found); !found {
			repeated.record(slot, key, key)
		}
	}
	if unique.wanted(&live) || !unique.off || unique.set != nil || live != 1 {
		t.Fatalf("unique values: kept their table (off %v, %d live)", unique.off, live)
	}
	if !repeated.wanted(&live) {
		t.Fatal("repeated values gave up their table")
	}
}

// TestMemoSetsBounded: a worker's open tables hold at most memoSetsMax
// memo tables.
func TestMemoSetsBounded(t *testing.T) {
	var live int
	cols := make([]cellMemo, memoSetsMax+3)
	for i := range cols {
		cols[i].seen = memoAfter
		if got, want := cols[i].wanted(&live), i < memoSetsMax; got != want {
			t.Fatalf("column %d: wanted %v", i, got)
		}
	}
	if live != memoSetsMax {
		t.Fatalf("%d tables, want %d", live, memoSetsMax)
	}
}

// TestMemoCats: a memo answers for every category but those whose
// finding's confidence or normalised value is read after it.
func TestMemoCats(t *testing.T) {
	for _, c := range pii.Categories() {
		ci := catIdx(c)
		want := ci != domNIR && ci != domDOB && ci != domCredential
		if got := memoCats>>ci&1 != 0; got != want {
			t.Errorf("%s: memo %v, want %v", c, got, want)
		}
	}
}
