package extract

import (
	"strings"
	"testing"
)

const mysqlDump = "-- MySQL dump 10.13  Distrib 8.0.36\n" +
	"/*!40101 SET NAMES utf8mb4 */;\n" +
	"DROP TABLE IF EXISTS `usagers`;\n" +
	"CREATE TABLE `usagers` (\n" +
	"  `id` int NOT NULL AUTO_INCREMENT,\n" +
	"  `nom` varchar(64) DEFAULT NULL COMMENT 'nom; de famille',\n" +
	"  `email` varchar(128) DEFAULT NULL,\n" +
	"  `solde` decimal(10,2) DEFAULT NULL,\n" +
	"  PRIMARY KEY (`id`),\n" +
	"  KEY `idx_email` (`email`)\n" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n" +
	"LOCK TABLES `usagers` WRITE;\n" +
	"INSERT INTO `usagers` VALUES (1,'O\\'Brien','a@b.fr',-1.50),(2,'L\\u00e9a','c@d.fr',NULL),\n" +
	"(3,'Dupont\\nJean','x;y@z.fr',2.00);\n" +
	"UNLOCK TABLES;\n"

const pgDump = "--\n-- PostgreSQL database dump\n--\n\n" +
	"SET standard_conforming_strings = on;\n" +
	"CREATE FUNCTION public.f() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\nBEGIN\n  RAISE NOTICE 'x;y';\nEND;\n$$;\n" +
	"CREATE TABLE public.usagers (\n    id integer NOT NULL,\n    nom text,\n    nir character(15)\n);\n" +
	"COPY public.usagers (id, nom, nir) FROM stdin;\n" +
	"1\tDupont\t185057512345678\n" +
	"2\tL\\u00e9a\\tx\t\\N\n" +
	"\\.\n" +
	"INSERT INTO public.usagers VALUES (3, 'C:\\dir', '2850575123456');\n" +
	"INSERT INTO public.contacts (email, tel) VALUES ('a@b.fr', '0612345678'), (E'c\\'d@e.fr', NULL);\n" +
	"INSERT INTO public.dates (d) VALUES ('1985-05-12'::date);\n"

func TestSQLDump(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		rows     []string
		problems []string
	}{
		{"mysql", mysqlDump, []string{
			"usagers:13|id=1|nom=O'Brien|email=a@b.fr|solde=-1.50",
			"usagers:13|id=2|nom=Lu00e9a|email=c@d.fr",
			"usagers:14|id=3|nom=Dupont\nJean|email=x;y@z.fr|solde=2.00",
		}, nil},
		{"postgresql", pgDump, []string{
			"public.usagers:19|id=1|nom=Dupont|nir=185057512345678",
			"public.usagers:20|id=2|nom=Lu00e9a\tx",
			"public.usagers:22|id=3|nom=C:\\dir|nir=2850575123456",
			"public.contacts:23|email=a@b.fr|tel=0612345678",
			"public.contacts:23|email=c'd@e.fr",
			"public.dates:24|d=1985-05-12",
		}, nil},
		{"no column list, no create", "INSERT INTO t VALUES ('a','b');\n", []string{"t:1|#1=a|#2=b"}, nil},
		{"lower case and comments", "insert into t (a) values /* c */ ('x') -- y\n;\n# z\ninsert into t (b) values ('y');", []string{"t:1|a=x", "t:4|b=y"}, nil},
		{"unterminated string", "INSERT INTO t (a) VALUES ('abc", nil, []string{"x.sql:1: syntax error: unexpected end of input"}},
		{"garbage then good", "INSERT INTO t (a) VALUES garbage;\nINSERT INTO t (a) VALUES ('ok');\n", []string{"t:2|a=ok"}, []string{"x.sql:1: syntax error: expected '(' to open a row"}},
		{"copy without end", "COPY t (a) FROM stdin;\nx\n", []string{"t:2|a=x"}, []string{"x.sql:1: syntax error: unexpected end of input"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := readCSVString(t, "x.sql", tc.in, testOptions())
			var rows []string
			for _, tb := range rec.docs[0].tables {
				for _, r := range tb.rows {
					rows = append(rows, tb.name+":"+r)
				}
			}
			if strings.Join(rows, "\n") != strings.Join(tc.rows, "\n") {
				t.Errorf("rows\n got %q\nwant %q", rows, tc.rows)
			}
			if got := rec.problemText(); strings.Join(got, "\n") != strings.Join(tc.problems, "\n") {
				t.Errorf("problems\n got %q\nwant %q", got, tc.problems)
			}
		})
	}
}

// TestSQLOffsets: a value's offset is from the start of its row's line.
func TestSQLOffsets(t *testing.T) {
	rec := readCSVString(t, "x.sql", mysqlDump, testOptions())
	lines := strings.Split(mysqlDump, "\n")
	for _, c := range rec.docs[0].tables[0].cells {
		if string(c.Value) != "a@b.fr" && string(c.Value) != "c@d.fr" {
			continue
		}
		line := lines[12]
		if got := line[c.Orig(0) : c.Orig(0)+len(c.Value)]; got != string(c.Value) {
			t.Errorf("offset %d gives %q", c.Off, got)
		}
	}
}
