package registry

import "testing"

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"ecto", "ecto", 1, 0},
		{"ecot", "ecto", 1, 1}, // a swap is one edit
		{"phonix", "phoenix", 1, 1},
		{"phenix", "phoenix", 1, 1},
		{"ecotx", "ecto", 1, 2}, // beyond the limit: limit+1
		{"ecotx", "ecto", 2, 2},
		{"fenix", "phoenix", 2, 3},
		{"", "abc", 5, 3},
		{"café", "cafe", 1, 1},
	} {
		if got := editDistance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	q := parseQuery(`Phoenix name:ecto* OR description:"web api" depends:Plug %% OR`)
	if len(q.groups) != 2 || len(q.groups[0]) != 2 || len(q.groups[1]) != 3 {
		t.Fatalf("groups = %+v", q.groups)
	}
	want := []searchTerm{
		{field: fieldAny, word: "phoenix"}, {field: fieldName, word: "ecto"},
		{field: fieldDescription, word: "web"}, {field: fieldDescription, word: "api"}, {field: fieldDepends, word: "plug"},
	}
	var got []searchTerm
	for _, g := range q.groups {
		got = append(got, g...)
	}
	for i, w := range want {
		if got[i].field != w.field || got[i].word != w.word {
			t.Errorf("term %d = %+v, want %+v", i, got[i], w)
		}
	}
	fix := map[*searchTerm]string{&q.groups[0][1]: "ecto_sql"}
	if s := q.suggestion(fix); s != "phoenix name:ecto_sql OR description:web description:api depends:plug OR" {
		t.Errorf("suggestion = %q", s)
	}
	if !parseQuery(" %% OR ").empty() {
		t.Error("punctuation and OR alone are no query")
	}
}
