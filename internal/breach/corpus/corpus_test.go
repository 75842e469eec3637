package corpus

import (
	"reflect"
	"strings"
	"testing"

	"tocsin/internal/breach/pii"
)

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(42, 50), Generate(42, 50)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Generate differs for the same seed")
	}
	if c := Generate(43, 50); reflect.DeepEqual(a, c) {
		t.Fatal("Generate is the same for two seeds")
	}
}

// TestGroundTruth checks every span and that planted identifiers are valid
// and decoys invalid.
func TestGroundTruth(t *testing.T) {
	shapes := map[string]int{}
	for _, d := range Generate(1, 1000) {
		shapes[d.Shape]++
		for _, p := range append(append([]Planted{}, d.Planted...), d.Decoys...) {
			if p.Start < 0 || p.End > len(d.Text) || d.Text[p.Start:p.End] != p.Value || p.Value == "" {
				t.Fatalf("%s document: span [%d,%d) does not hold its value", d.Shape, p.Start, p.End)
			}
		}
		for _, p := range d.Planted {
			v := strings.Trim(p.Value, "'")
			switch p.Category {
			case pii.NIR:
				if _, ok, k := pii.ValidNIR(v); !ok || k != pii.NIRPermanent {
					t.Errorf("planted NIR invalid in %s document", d.Shape)
				}
			case pii.IBAN:
				if _, ok := pii.ValidIBAN(v); !ok {
					t.Errorf("planted IBAN invalid in %s document", d.Shape)
				}
			case pii.Card:
				if _, ok := pii.ValidCard(v); !ok {
					t.Errorf("planted card invalid in %s document", d.Shape)
				}
			case pii.Phone:
				if _, _, ok := pii.ParsePhoneFR(v); !ok {
					t.Errorf("planted phone invalid in %s document", d.Shape)
				}
			case pii.Email:
				if _, ok := pii.ValidEmail(v); !ok {
					t.Errorf("planted e-mail invalid in %s document", d.Shape)
				}
			}
		}
		for _, p := range d.Decoys {
			switch p.Category {
			case pii.NIR:
				if _, ok, _ := pii.ValidNIR(p.Value); ok {
					t.Errorf("decoy NIR valid in %s document", d.Shape)
				}
			case pii.IBAN:
				if _, ok := pii.ValidIBAN(p.Value); ok {
					t.Errorf("decoy IBAN valid in %s document", d.Shape)
				}
			case pii.Card:
				// A SIRET passes as a card number by itself: its
				// context tells it apart.
				if _, ok := pii.ValidCard(p.Value); ok && !strings.Contains(d.Text[max(0, p.Start-40):p.Start], "SIRET") {
					t.Errorf("decoy card valid in %s document", d.Shape)
				}
			case pii.Phone:
				if _, _, ok := pii.ParsePhoneFR(p.Value); ok {
					t.Errorf("decoy phone valid in %s document", d.Shape)
				}
			}
		}
	}
	for _, s := range Shapes() {
		if shapes[s] == 0 {
			t.Errorf("no %s document", s)
		}
	}
}

func TestTable(t *testing.T) {
	for _, seed := range []int64{2, 3} {
		header, rows, truth := Table(seed, 20)
		if len(header) != len(truth) || len(rows) != 20 {
			t.Fatalf("seed %d: %d headers, %d truths, %d rows", seed, len(header), len(truth), len(rows))
		}
		for _, r := range rows {
			if len(r) != len(header) {
				t.Fatalf("seed %d: row of %d cells for %d columns", seed, len(r), len(header))
			}
		}
	}
	fr, _, _ := Table(2, 1)
	en, _, _ := Table(3, 1)
	if fr[0] == en[0] {
		t.Errorf("seeds 2 and 3 give the same header language")
	}
}

// TestCorsicaAndAbroad checks the NIR generator covers 2A/2B and 99.
func TestCorsicaAndAbroad(t *testing.T) {
	var corsica, abroad bool
	for _, id := range Identities(9, 500) {
		corsica = corsica || id.NIR[5:7] == "2A" || id.NIR[5:7] == "2B"
		abroad = abroad || id.NIR[5:7] == "99"
	}
	if !corsica || !abroad {
		t.Errorf("corsica %v, born abroad %v: want both", corsica, abroad)
	}
}
